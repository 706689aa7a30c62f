import { describeMs, ShimError } from '../errors.ts'
import { cursorAuthError, stripAnsi, unknownCursorModel } from './errors.ts'
import { runCursorCommand } from './_probe.ts'
import { cached } from './_cache.ts'

export interface CursorModel {
  /** The id cursor-agent takes in `--model`: `composer-2.5`, `gpt-5.5-high`. */
  id: string
  /** The label from the listing; never derived from the id (they disagree, spec integrations §1.4). */
  name: string
  current?: boolean
  default?: boolean
  /** Marked "(NO ZDR)": not covered by zero data retention. */
  noZdr?: boolean
}

export const MODELS_TTL_MS = 5 * 60_000
export const MODELS_TIMEOUT_MS = 15_000
export const CURSOR_SLUG_PREFIX = 'cursor-'

const MODEL_LINE = /^\s*(?:[-*•]\s+)?([A-Za-z0-9][\w.\-:[\]=,]*)\s+-\s+(.+?)\s*$/

/** `cursor-agent models`: a header, `<id> - <Display Name> [(current, default)]` lines, a `Tip:` line. */
export function parseCursorModels(text: string): CursorModel[] {
  const models: CursorModel[] = []
  for (const raw of stripAnsi(text).split(/\r?\n/)) {
    const line = raw.trim()
    if (!line || /^tip:/i.test(line) || /^available models/i.test(line) || /^no models available/i.test(line)) continue
    const match = line.match(MODEL_LINE)
    if (!match) continue
    let name = match[2]!
    const model: CursorModel = { id: match[1]!, name }
    for (const mark of name.match(/\(([^)]*)\)/g) ?? []) {
      const words = mark.slice(1, -1).split(',').map((word) => word.trim().toLowerCase())
      if (words.includes('no zdr')) model.noZdr = true
      if (words.includes('current')) model.current = true
      if (words.includes('default')) model.default = true
      if (words.every((word) => ['current', 'default', 'no zdr'].includes(word))) name = name.replace(mark, '')
    }
    model.name = name.replace(/\s{2,}/g, ' ').trim() || model.id
    if (!models.some((known) => known.id === model.id)) models.push(model)
  }
  return models
}

export async function listCursorModels(bin: string, options: { timeoutMs?: number; env?: Record<string, string | undefined>; allowApiKey?: boolean } = {}): Promise<CursorModel[]> {
  const timeoutMs = options.timeoutMs ?? MODELS_TIMEOUT_MS
  const result = await runCursorCommand(bin, ['models'], { timeoutMs, env: options.env, allowApiKey: options.allowApiKey })
  // A failed listing is not "no models": it must not be cached, nor read as a logged-out account.
  if (result.timedOut) throw new ShimError('upstream_timeout', `\`cursor-agent models\` did not answer within ${describeMs(timeoutMs)}.`)
  if (result.exitCode === null && !result.output) throw new ShimError('upstream_unreachable', `Could not run ${bin}.`)
  return parseCursorModels(result.output)
}

/** The model list, cached for 5 minutes (the henry701 fork's interval). */
export function createCursorModelsCache(list: () => Promise<CursorModel[]>, ttlMs = MODELS_TTL_MS, now?: () => number) {
  return cached(list, ttlMs, now)
}

export function cursorSlug(model: CursorModel | string): string {
  return `${CURSOR_SLUG_PREFIX}${typeof model === 'string' ? model : model.id}`
}

/** The names the original used for Composer 2.5 (it exposed only that model). */
const COMPOSER_ALIASES = new Set(['composer-2-5', 'composer-2.5', 'cursor-composer-2-5'])

/** Whether a name can only mean a Cursor model: resolving it is worth a cursor-agent probe. */
export function isCursorName(name: string): boolean {
  return name.startsWith(CURSOR_SLUG_PREFIX) || COMPOSER_ALIASES.has(name)
}

/** A requested name → the cursor-agent model: `cursor-<id>`, or a Composer 2.5 alias. */
export function resolveCursorSlug(name: string, models: CursorModel[]): CursorModel | null {
  if (COMPOSER_ALIASES.has(name)) return models.find((model) => model.id === 'composer-2.5') ?? null
  if (!name.startsWith(CURSOR_SLUG_PREFIX)) return null
  const id = name.slice(CURSOR_SLUG_PREFIX.length)
  return models.find((model) => model.id === id) ?? null
}

/**
 * Checked before spawning: cursor-agent accepts any `--model` at parse time
 * and fails only later (spec §1.4), and the client deserves a 400 naming the
 * models, not a broken stream. An empty list means the account has none
 * (logged out or the degraded login).
 */
export function requireCursorModel(name: string, models: CursorModel[]): CursorModel {
  if (!models.length) throw cursorAuthError()
  // A route may name the cursor-agent id itself (`composer-2.5`) as its upstream model.
  const model = resolveCursorSlug(name, models) ?? models.find((known) => known.id === name) ?? null
  if (!model) throw unknownCursorModel(name, models.map((known) => cursorSlug(known)))
  return model
}
