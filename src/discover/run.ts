import { existsSync, readFileSync, statSync } from 'node:fs'
import { backupFile, recordOriginalAbsent, refuseReadOnly, writeFileAtomic } from '../codex/atomic-write.ts'
import { ShimError } from '../errors.ts'
import { describeJsonError } from '../json-error.ts'
import { redactUrlsIn } from '../redact.ts'
import { parseSettings, SettingsError } from '../settings/load.ts'
import { withoutBom } from '../settings/parse-validated.ts'
import { listCatalog } from './catalog.ts'
import { unifiedDiff } from './diff.ts'
import { detectIndent, lineEndingOf, mergeGenerated, previousGenerated, renderSettings, type Json } from './merge.ts'
import { spliceGenerated } from './splice.ts'
import { classifyModel, keyRejected } from './outcome.ts'
import { mapWithConcurrency } from './pool.ts'
import { describeProbe, probeEndpoint } from './probe.ts'
import { createProgress, type ProgressSink } from './progress.ts'
import { ENDPOINT_PROVIDERS, type CatalogModel, type Endpoint, type ProbedModel, type ProbeResult } from './types.ts'

/** Where models come from and how their rows look: OpenCode Go, or any OpenAI-compatible server. */
export interface DiscoverySource {
  /** "OpenCode Go", "127.0.0.1:11434": for messages. */
  label: string
  baseUrl: string
  apiKey?: string
  /** Written into rows (the variable's name, never the key). */
  apiKeyEnv?: string
  /** `generated_by` of the rows this source owns. */
  generatedBy: string
  isGenerated(entry: Json): boolean
  /** Probed for every model, in this order (also the tie order after `prefer`). */
  endpoints: readonly Endpoint[]
  prefer: Endpoint
  /** Sent on the listing and every probe. */
  headers: Record<string, string>
  slugFor(model: CatalogModel): string
  displayNameFor(model: CatalogModel): string
}

export interface DiscoveryOptions {
  settingsPath: string
  dryRun: boolean
  /** Probe without asking. */
  yes: boolean
  concurrency: number
  timeoutMs: number
  signal: AbortSignal
  fetch?: typeof fetch
}

export interface DiscoveryIo {
  progress: ProgressSink
  /** A terminal we can ask on; without one, only `--yes` probes. */
  canPrompt: boolean
  confirm(question: string): Promise<boolean>
}

export type ModelVerdict = 'added' | 'kept' | 'not-added' | 'skipped' | 'slug-taken'

export interface ReportedModel extends ProbedModel {
  slug: string
  verdict: ModelVerdict
  /** Why, for the report: the probe answers in short. */
  detail: string
}

export interface DiscoveryReport {
  source: string
  settingsPath: string
  models: ReportedModel[]
  removed: string[]
  conflicts: { slug: string; owner: string }[]
  /** Rows written without image metadata (no_image_support left unset). */
  imageUnknown: string[]
  diff: string
  changed: boolean
  written: boolean
  backup: string | null
  dryRun: boolean
}

/** The user said no, or no terminal to ask on: nothing was probed or written. */
export class ProbesDeclined extends Error {
  constructor(readonly reason: 'declined' | 'no-terminal') {
    super(reason === 'declined' ? 'Nothing probed, nothing written.' : 'Probing needs a yes: re-run with --yes (probes spend a little of your plan).')
    this.name = 'ProbesDeclined'
  }
}

/** Ctrl-C: probes aborted, nothing written. */
export class DiscoveryInterrupted extends Error {
  constructor() {
    super('Interrupted: probes stopped, nothing written.')
    this.name = 'DiscoveryInterrupted'
  }
}

/** List → confirm → probe → merge → write (or diff). Nothing is written unless every step finished. */
export async function runDiscovery(source: DiscoverySource, options: DiscoveryOptions, io: DiscoveryIo): Promise<DiscoveryReport> {
  // Read now so a broken file fails before anything is spent; read again before merging (it may have changed meanwhile).
  // Probes are billed: a file that does not load as it is, or cannot be written, is said before any.
  const current = readSettingsText(options.settingsPath)
  parseDocument(current, options.settingsPath)
  if (current.trim()) parseSettings(current, options.settingsPath)
  if (!options.dryRun && current) refuseReadOnly(options.settingsPath, 'models.json')
  try {
    const catalog = await listCatalog({ baseUrl: source.baseUrl, apiKey: source.apiKey, apiKeyEnv: source.apiKeyEnv, label: source.label, headers: source.headers, timeoutMs: options.timeoutMs, signal: options.signal, fetch: options.fetch })
    if (!catalog.length) throw new ShimError('upstream_http', `${source.label} lists no models at ${source.baseUrl}/models; nothing probed, nothing written.`)

    await confirmProbes(source, catalog.length, options, io)
    const probed = await probeAll(source, catalog, options, io)
    const refused = keyRejected(probed.map((entry) => entry.probes))
    if (refused) {
      const what = source.apiKeyEnv ? `the key in $${source.apiKeyEnv}` : 'the request (no key was sent)'
      throw new ShimError('upstream_http', `The server refused ${what} (HTTP ${refused}) on every probe; nothing written. Check the key${source.apiKeyEnv ? '' : ' (pass --key-env NAME)'}.`, { status: refused })
    }
    const before = readSettingsText(options.settingsPath)
    return finish(source, options, before, parseDocument(before, options.settingsPath), probed)
  } catch (error) {
    if (options.signal.aborted) throw new DiscoveryInterrupted()
    throw error
  }
}

function readSettingsText(path: string): string {
  if (!existsSync(path)) return ''
  if (statSync(path).isDirectory()) throw new SettingsError(path, [{ path: '', message: 'is a folder; expected the settings file itself (models.json)' }])
  return readFileSync(path, 'utf8')
}

function parseDocument(text: string, path: string): Json {
  if (!withoutBom(text).trim()) return {}
  let json: unknown
  try {
    json = JSON.parse(withoutBom(text))
  } catch (error) {
    throw new SettingsError(path, [{ path: '', message: `not valid JSON (${describeJsonError(text, error)}); fix it before refreshing` }])
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SettingsError(path, [{ path: '', message: 'expected a JSON object with a "models" array' }])
  return json as Json
}

async function confirmProbes(source: DiscoverySource, count: number, options: DiscoveryOptions, io: DiscoveryIo): Promise<void> {
  if (options.yes) return
  const requests = count * source.endpoints.length
  const warning = `Probing sends up to ${requests} one-token request${requests === 1 ? '' : 's'} (${count} model${count === 1 ? '' : 's'} × ${source.endpoints.join(', ')}) to ${source.label}; each spends a little of your plan.`
  if (!io.canPrompt) throw new ProbesDeclined('no-terminal')
  io.progress.write(`${warning}\n`)
  if (!(await io.confirm('Probe now?'))) {
    if (options.signal.aborted) throw new DiscoveryInterrupted()
    throw new ProbesDeclined('declined')
  }
}

async function probeAll(source: DiscoverySource, catalog: CatalogModel[], options: DiscoveryOptions, io: DiscoveryIo): Promise<ProbedModel[]> {
  const progress = createProgress(catalog.length, io.progress)
  const target = { baseUrl: source.baseUrl, apiKey: source.apiKey, headers: source.headers, timeoutMs: options.timeoutMs, signal: options.signal, fetch: options.fetch }
  // One pool over every (model, endpoint) probe, so the limit counts requests in flight.
  const jobs = catalog.flatMap((model) => source.endpoints.map((endpoint) => ({ model, endpoint })))
  const results = new Map<string, Partial<Record<Endpoint, ProbeResult>>>(catalog.map((model) => [model.id, {}]))
  const started = new Set<string>()
  try {
    await mapWithConcurrency(
      jobs,
      options.concurrency,
      async ({ model, endpoint }) => {
        const probes = results.get(model.id)!
        if (!started.has(model.id)) {
          started.add(model.id)
          progress.started(model.id)
        }
        probes[endpoint] = await probeEndpoint(endpoint, model.id, target)
        if (Object.keys(probes).length === source.endpoints.length) progress.finished(model.id, probeSummary(source, probes))
      },
      options.signal,
    )
  } finally {
    progress.stop()
  }
  return catalog.map((model) => {
    const probes = results.get(model.id)!
    return { model, probes, outcome: classifyModel(probes, source.endpoints, source.prefer) }
  })
}

function probeSummary(source: DiscoverySource, probes: Partial<Record<Endpoint, ProbeResult>>): string {
  const outcome = classifyModel(probes, source.endpoints, source.prefer)
  const answers = source.endpoints.map((endpoint) => describeProbe(endpoint, probes[endpoint]!)).join('; ')
  const verdict = outcome.kind === 'ok' ? outcome.endpoint : outcome.kind === 'unknown' ? 'not verified' : 'skipped'
  return `${answers} → ${verdict}`
}

function finish(source: DiscoverySource, options: DiscoveryOptions, before: string, document: Json, probed: ProbedModel[]): DiscoveryReport {
  const previous = previousGenerated(document, source.isGenerated)
  // A model that has a row keeps its slug (the user's rename too): Codex's config and launch_models
  // name slugs, and the listing's order must not move them. Reserved first, so no new model takes one.
  const usedSlugs = new Set<string>()
  for (const item of probed) {
    const old = previous.get(item.model.id)
    if (old && typeof old.slug === 'string' && item.outcome.kind !== 'skipped') usedSlugs.add(old.slug)
  }
  const rows: Json[] = []
  const models: ReportedModel[] = []
  const imageUnknown: string[] = []
  for (const item of probed) {
    const detail = source.endpoints.map((endpoint) => describeProbe(endpoint, item.probes[endpoint]!)).join('; ')
    const { outcome } = item
    if (outcome.kind === 'ok') {
      const old = previous.get(item.model.id)
      const slug = old && typeof old.slug === 'string' ? old.slug : uniqueSlug(source.slugFor(item.model), usedSlugs)
      rows.push(withHandEdits(rowFor(source, item.model, outcome.endpoint, slug), old))
      // Not for a row the user already said it of.
      if (item.model.imageSupport === undefined && old?.no_image_support === undefined) imageUnknown.push(slug)
      models.push({ ...item, slug, verdict: 'added', detail })
    } else if (outcome.kind === 'unknown') {
      const old = previous.get(item.model.id)
      if (old) {
        const slug = typeof old.slug === 'string' ? old.slug : source.slugFor(item.model)
        usedSlugs.add(slug)
        rows.push(old)
        models.push({ ...item, slug, verdict: 'kept', detail })
      } else {
        models.push({ ...item, slug: source.slugFor(item.model), verdict: 'not-added', detail })
      }
    } else {
      models.push({ ...item, slug: source.slugFor(item.model), verdict: 'skipped', detail })
    }
  }

  const merged = mergeGenerated(document, source.isGenerated, rows)
  for (const conflict of merged.conflicts) {
    const model = models.find((entry) => entry.slug === conflict.slug)
    if (model) model.verdict = 'slug-taken'
  }
  // Only the generated rows change: the user's own entries keep their layout, and a number
  // JSON.parse would round keeps its digits. A file with no list yet is written whole. A
  // byte-order mark the file had stays: it is the editor's, not ours to drop.
  const text = withoutBom(before)
  const indent = detectIndent(text)
  const lineEnding = lineEndingOf(before)
  const body = (text.trim() ? spliceGenerated(text, source.isGenerated, merged, indent, lineEnding) : null) ?? renderSettings(merged.document, indent, lineEnding)
  const after = `${before.startsWith('\uFEFF') ? '\uFEFF' : ''}${body}`
  const changed = after !== before
  assertLoads(after, options.settingsPath)

  const report: DiscoveryReport = {
    source: source.label,
    settingsPath: options.settingsPath,
    models,
    removed: merged.removed,
    conflicts: merged.conflicts,
    imageUnknown: imageUnknown.filter((slug) => !merged.conflicts.some((conflict) => conflict.slug === slug)),
    diff: withoutSecrets(unifiedDiff(before, after, { fromLabel: `${options.settingsPath} (now)`, toLabel: `${options.settingsPath} (after refresh)` }), before),
    changed,
    written: false,
    backup: null,
    dryRun: options.dryRun,
  }
  if (options.dryRun || !changed) return report
  // New files get 0600: the user may add inline keys later. An existing file keeps its mode, unless
  // it holds a key written inline: then it is made 0600, as token files are (backups always are).
  refuseReadOnly(options.settingsPath, 'models.json')
  const existed = existsSync(options.settingsPath)
  report.backup = backupFile(options.settingsPath)
  writeFileAtomic(options.settingsPath, after, holdsInlineKey(after) ? { secret: true } : { mode: 0o600 })
  if (!existed) recordOriginalAbsent(options.settingsPath)
  report.written = true
  return report
}

/**
 * The diff as it may be printed: its context lines are the user's own file, which can hold keys
 * written inline, header values (`extra_headers`: an Authorization) and base URLs with a password
 * or a `?key=`. Each such value found in the file is masked wherever the diff shows it, and URLs
 * as `list` and `doctor` mask them.
 */
function withoutSecrets(diff: string, settingsText: string): string {
  const secrets = new Set<string>()
  for (const entry of modelEntriesIn(settingsText)) {
    for (const field of ['api_key', 'apiKey']) if (typeof entry[field] === 'string') secrets.add(entry[field])
    const headers = entry.extra_headers ?? entry.extraHeaders
    if (headers && typeof headers === 'object') for (const value of Object.values(headers)) if (typeof value === 'string') secrets.add(value)
  }
  // Compared by what each string in the diff says, not how it is spelled: the file may escape a
  // key (`\/`, `\u0041`) where JSON.stringify would not.
  const masked = diff.replace(JSON_STRING, (literal) => (isSecret(literal, secrets) ? '"[redacted]"' : literal))
  return redactUrlsIn(masked)
}

/** A JSON string literal on one line (a diff line holds whole literals: JSON strings cannot span lines). */
const JSON_STRING = /"(?:[^"\\\n]|\\.)*"/g

function isSecret(literal: string, secrets: ReadonlySet<string>): boolean {
  try {
    const value = JSON.parse(literal) as string
    return value.length >= 4 && secrets.has(value)
  } catch {
    return false
  }
}

/** Whether a settings text gives some model a key in the file itself (not only `${VAR}` references). */
export function holdsInlineKey(text: string): boolean {
  return modelEntriesIn(text).some((entry) => {
    const key = entry.api_key ?? entry.apiKey
    return typeof key === 'string' && key.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*\}/g, '').trim() !== ''
  })
}

/** Every model entry object of a settings text, under each key that holds them; none when it is not JSON. */
function modelEntriesIn(text: string): Record<string, unknown>[] {
  let document: Record<string, unknown>
  try {
    // A byte-order mark is not JSON: without this, a BOM file's keys would go unmasked and its mode unchanged.
    document = JSON.parse(withoutBom(text)) as Record<string, unknown>
  } catch {
    return []
  }
  if (!document || typeof document !== 'object') return []
  return ['models', 'customModels', 'launch_models', 'launchModels']
    .flatMap((key) => (Array.isArray(document[key]) ? (document[key] as unknown[]) : []))
    .filter((entry): entry is Record<string, unknown> => Boolean(entry) && typeof entry === 'object')
}

/** The row we write; key order is fixed so a re-run is byte-identical. */
function rowFor(source: DiscoverySource, model: CatalogModel, endpoint: Endpoint, slug: string): Json {
  const row: Json = {
    slug,
    model: model.id,
    display_name: source.displayNameFor(model),
    provider: ENDPOINT_PROVIDERS[endpoint],
    base_url: source.baseUrl,
  }
  if (source.apiKeyEnv) row.api_key_env = source.apiKeyEnv
  if (model.imageSupport !== undefined) row.no_image_support = !model.imageSupport
  if (model.contextLength !== undefined) row.max_context_limit = model.contextLength
  row.generated_by = source.generatedBy
  return row
}

/**
 * The fresh row with what the user added to the old one kept: fields the server does not decide
 * (a price, a reasoning effort, an output cap, a display name, extra headers) and, where the
 * listing says nothing of them, image support and the context size. The server decides the rest.
 */
function withHandEdits(row: Json, old: Json | undefined): Json {
  if (!old) return row
  const decided = new Set(['slug', 'model', 'provider', 'base_url', 'api_key_env', 'generated_by', ...Object.keys(row).filter((key) => key === 'no_image_support' || key === 'max_context_limit')])
  const kept: Json = { ...row }
  for (const [key, value] of Object.entries(old)) if (!decided.has(key)) kept[key] = value
  return kept
}

function uniqueSlug(slug: string, used: Set<string>): string {
  let candidate = slug
  for (let n = 2; used.has(candidate); n++) candidate = `${slug}-${n}`
  used.add(candidate)
  return candidate
}

/** A file that would not load is never written: say why instead (e.g. launch_models naming a removed row). */
function assertLoads(text: string, path: string): void {
  try {
    parseSettings(text, path)
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error
    const issues = error.issues.map((issue) => `  ${issue.path || '(file)'}: ${issue.message}`).join('\n')
    throw new ShimError('config', `Not writing ${path}: after the refresh it would not load:\n${issues}\nFix those entries (or the references to removed models) and run the refresh again.`)
  }
}
