import { PROVIDERS, type ProviderName as RegisteredProvider } from '../providers/index.ts'
import type { ProviderKind } from '../providers/types.ts'
import type { RouterSettings } from '../routing/router-settings.ts'
import { ALIAS_KEYS, CAMEL_ALIASES, ENTRY_KEYS, type EntryKey } from './keys.ts'
import { isSlug, slugify } from './slug.ts'
import {
  type ModelSettings,
  type ProviderName,
  type RawModelEntry,
  type RawSettingsFile,
  type Settings,
} from './schema.ts'

export interface SettingsIssue {
  /** JSON path as the user wrote it: `models[2].provider`. */
  path: string
  message: string
}

const KNOWN_KEYS = new Set<string>([
  ...ENTRY_KEYS,
  ...Object.keys(CAMEL_ALIASES),
  // Factory's customModels carry these; they are harmless.
  'index', 'id',
])

const TOP_LEVEL_KEYS = ['models', 'customModels', 'launch_models', 'launchModels', '$schema', 'aliases', 'router']

/** The known key closest to a misspelt one, when it is close enough to be a likely typo. */
export function closestKey(key: string, known: Iterable<string>): string | undefined {
  let best: { key: string; distance: number } | undefined
  for (const candidate of known) {
    const distance = editDistance(key.toLowerCase(), candidate.toLowerCase())
    if (!best || distance < best.distance) best = { key: candidate, distance }
  }
  return best && best.distance <= Math.max(2, Math.floor(key.length / 3)) ? best.key : undefined
}

/**
 * Refuses the keys a closed settings object does not have (an alias, the router, a candidate), as
 * model entries do: a misspelt key would silently lose its value (`treshold` left the default).
 */
export function refuseUnknownKeys(record: object, known: readonly string[] | ReadonlySet<string>, path: string, issues: SettingsIssue[], listed: readonly string[] = [...known]): void {
  const knows = (key: string) => ('has' in known ? known.has(key) : known.includes(key))
  for (const key of Object.keys(record)) {
    if (knows(key)) continue
    const near = closestKey(key, known)
    issues.push({ path: `${path}.${key}`, message: `unknown key${near ? `; did you mean "${near}"?` : ''} (known: ${listed.join(', ')})` })
  }
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]!
}

/** A default key goes only to the provider's own default host: never a third party's. */
function defaultKeyEnv(provider: ProviderKind, baseUrl: string): string | undefined {
  if (!provider.settings.defaultKeyEnv || !provider.settings.defaultBaseUrl) return undefined
  try {
    return new URL(baseUrl).host === new URL(provider.settings.defaultBaseUrl).host ? provider.settings.defaultKeyEnv : undefined
  } catch {
    return undefined
  }
}

/** A base URL without its trailing slashes (by hand, for the same reason as slugify in slug.ts). */
export function withoutTrailingSlashes(url: string): string {
  let end = url.length
  while (end > 0 && url[end - 1] === '/') end--
  return url.slice(0, end)
}

type Located = { entry: RawModelEntry; source: string }

/**
 * Fields only one kind of upstream reads: on any other entry the value would be ignored without a
 * word (a `workspace` on an openai entry, a `service_tier` on an anthropic one), so it is refused.
 */
const READ_ONLY_BY: readonly (readonly [key: EntryKey, providers: readonly RegisteredProvider[]])[] = [
  ['workspace', ['cursor-agent']],
  ['thinking_budget_tokens', ['anthropic']],
  ['prompt_caching', ['anthropic']],
  ['service_tier', ['chatgpt']],
]

/**
 * Validates the `router` key against the model names (routing/router-settings.ts).
 * Passed in, not imported: the router's schemas need valibot, which a start
 * whose settings need no validation (and have no router) never loads.
 */
export type RouterParser = (raw: unknown, knownSlugs: string[]) => { router: RouterSettings | null; issues: SettingsIssue[] }

/**
 * Turns the validated file into Settings: aliases folded, slugs derived and
 * made unique, provider defaults applied. Returns issues instead of throwing
 * so that every problem in the file is reported at once.
 */
export function normalizeSettings(raw: RawSettingsFile, path: string | null, parseRouter: RouterParser): { settings: Settings; issues: SettingsIssue[] } {
  const issues: SettingsIssue[] = []
  const warnings: string[] = []
  // Plain loops here, without forEach, map or some, destructuring in a loop or a Map's iterator:
  // this runs on the proxy's start, where each of those costs a process ~0.05–0.2 ms the first
  // time it runs (JavaScriptCore compiles the built-in behind it then).
  const located: Located[] = []
  const locate = (list: RawModelEntry[] | undefined, key: string) => {
    let index = 0
    for (const entry of list ?? []) located.push({ entry, source: `${key}[${index++}]` })
  }
  locate(raw.models, 'models')
  locate(raw.customModels, 'customModels')

  if (raw.launch_models && raw.launchModels) {
    issues.push({ path: 'launchModels', message: 'both launch_models and launchModels are set; keep one' })
  }
  const launchKey = raw.launch_models ? 'launch_models' : 'launchModels'
  const launchRaw = raw.launch_models ?? raw.launchModels ?? []
  const launchRefs: { name: string; source: string }[] = []
  let launchIndex = 0
  for (const item of launchRaw) {
    const source = `${launchKey}[${launchIndex++}]`
    if (typeof item === 'string') launchRefs.push({ name: item.trim(), source })
    else {
      located.push({ entry: item, source })
      launchRefs.push({ name: '', source }) // filled in once the entry has its slug
    }
  }

  for (const key of Object.keys(raw)) {
    if (TOP_LEVEL_KEYS.includes(key)) continue
    // A near miss (`alias`) would drop a whole section without a word; any other key is someone else's.
    const near = closestKey(key, TOP_LEVEL_KEYS)
    if (near) issues.push({ path: key, message: `unknown top-level key; did you mean "${near}"?` })
    else warnings.push(`${key}: unknown top-level key, ignored`)
  }

  const models: ModelSettings[] = []
  const usedSlugs = new Map<string, string>()
  for (const { entry, source } of located) {
    const model = normalizeEntry(entry, source, issues, warnings)
    if (!model) continue
    const explicit = pick(entry, 'slug') !== undefined
    if (usedSlugs.has(model.slug)) {
      if (explicit) {
        issues.push({ path: `${source}.slug`, message: `slug "${model.slug}" is already used by ${usedSlugs.get(model.slug)}; slugs must be unique` })
        continue
      }
      let n = 2
      while (usedSlugs.has(`${model.slug}-${n}`)) n++
      model.slug = `${model.slug}-${n}`
    }
    usedSlugs.set(model.slug, source)
    models.push(model)
  }

  const launch_models: string[] = []
  for (const ref of launchRefs) {
    const name = ref.name || models.find((m) => m.source === ref.source)?.slug
    if (!name) continue // the inline entry itself was invalid and already reported
    const match = models.find((m) => m.slug === name) ?? models.find((m) => m.model === name)
    if (!match) {
      const known = models.map((m) => m.slug).join(', ') || 'none'
      issues.push({ path: ref.source, message: `"${name}" is not a configured model slug (known: ${known})` })
      continue
    }
    if (!launch_models.includes(match.slug)) launch_models.push(match.slug)
  }

  const aliases: Settings['aliases'] = {}
  for (const name of Object.keys(raw.aliases ?? {})) {
    const alias = raw.aliases![name]!
    const before = issues.length
    refuseUnknownKeys(alias, ALIAS_KEYS, `aliases.${name}`, issues)
    if (issues.length > before) continue
    if (!isSlug(name)) issues.push({ path: `aliases.${name}`, message: 'expected an alias name of lower-case letters, digits, ".", "_" or "-"' })
    else if (usedSlugs.has(name)) issues.push({ path: `aliases.${name}`, message: `"${name}" is already a model slug; pick another alias name` })
    else if (!usedSlugs.has(alias.slug)) issues.push({ path: `aliases.${name}.slug`, message: `"${alias.slug}" is not a configured model slug (known: ${models.map((m) => m.slug).join(', ') || 'none'})` })
    else aliases[name] = alias
  }

  const names: string[] = []
  for (const model of models) names.push(model.slug)
  for (const name of Object.keys(aliases)) names.push(name)
  const parsed = parseRouter((raw as Record<string, unknown>).router, names)
  issues.push(...parsed.issues)
  const router = parsed.router ?? undefined
  checkFallbacks(models, aliases, names, router?.slug, issues)

  return { settings: { path, models, launch_models, aliases, ...(router && { router }), warnings }, issues }
}

/**
 * Every fallback must name a model or alias (a typo would only show the day
 * the primary fails), and not the entry itself. The router is no fallback:
 * its choice depends on the task, and a fallback must be a known model.
 */
function checkFallbacks(models: ModelSettings[], aliases: Settings['aliases'], names: string[], routerSlug: string | undefined, issues: SettingsIssue[]): void {
  const known = new Set(names)
  // Every name that leads to a model: its slug and its aliases. A fallback to any of them would only
  // try the same upstream again (the chain skips it: said here, not found out the day it matters).
  const namesOf = (slug: string) => [slug, ...Object.keys(aliases).filter((alias) => aliases[alias]!.slug === slug)]
  const check = (fallbacks: string[] | undefined, path: string, selves: string[]) => {
    let index = 0
    const seen = new Set<string>()
    for (const name of fallbacks ?? []) {
      const at = `${path}.fallbacks[${index++}]`
      if (seen.has(name)) issues.push({ path: at, message: `"${name}" is named twice; each fallback is tried once` })
      else if (name === selves[0]) issues.push({ path: at, message: `"${name}" is this entry itself; name another model to fall back to` })
      else if (selves.includes(name)) issues.push({ path: at, message: `"${name}" leads to this entry's own model (${selves.join(', ')} all do); name another model to fall back to` })
      else if (name === routerSlug) issues.push({ path: at, message: `"${name}" is the auto router; name a model (or alias) to fall back to` })
      else if (!known.has(name)) {
        const near = closestKey(name, known)
        issues.push({ path: at, message: `"${name}" is not a configured model slug or alias${near ? `; did you mean "${near}"?` : ''} (known: ${names.join(', ') || 'none'})` })
      }
      seen.add(name)
    }
  }
  for (const model of models) check(model.fallbacks, model.source, namesOf(model.slug))
  for (const name of Object.keys(aliases)) check(aliases[name]!.fallbacks, `aliases.${name}`, [name, ...namesOf(aliases[name]!.slug).filter((other) => other !== name)])
}

/** snake_case key → its camelCase spelling, built once: `pick` runs for every field of every entry. */
const CAMEL_OF: ReadonlyMap<string, string> = (() => {
  const camelOf = new Map<string, string>()
  for (const camel of Object.keys(CAMEL_ALIASES) as (keyof typeof CAMEL_ALIASES)[]) camelOf.set(CAMEL_ALIASES[camel], camel)
  return camelOf
})()

function pick<K extends keyof typeof CAMEL_ALIASES | string>(entry: RawModelEntry, snake: K): unknown {
  const record = entry as Record<string, unknown>
  if (record[snake] !== undefined) return record[snake]
  const camel = CAMEL_OF.get(snake)
  return camel ? record[camel] : undefined
}

function normalizeEntry(entry: RawModelEntry, source: string, issues: SettingsIssue[], warnings: string[]): ModelSettings | null {
  const record = entry as Record<string, unknown>
  for (const camel of Object.keys(CAMEL_ALIASES) as (keyof typeof CAMEL_ALIASES)[]) {
    const snake = CAMEL_ALIASES[camel]
    if (record[camel] !== undefined && record[snake] !== undefined && JSON.stringify(record[camel]) !== JSON.stringify(record[snake])) {
      issues.push({ path: `${source}.${camel}`, message: `conflicts with ${snake}; keep one spelling` })
    }
  }
  // A misspelt key would silently lose its value (a misspelt `api_key` even sent another key): refuse it.
  const before = issues.length
  refuseUnknownKeys(record, KNOWN_KEYS, source, issues, ENTRY_KEYS)
  let ok = issues.length === before

  const model = pick(entry, 'model') as string | undefined
  const providerLabel = pick(entry, 'provider') as RegisteredProvider | undefined
  if (!model) {
    issues.push({ path: `${source}.model`, message: 'missing; expected the upstream model id, e.g. "deepseek-chat"' })
    ok = false
  }
  if (!providerLabel) {
    issues.push({ path: `${source}.provider`, message: `missing; expected one of ${Object.keys(PROVIDERS).join(', ')}` })
    ok = false
  }
  const kind: ProviderKind | undefined = providerLabel ? PROVIDERS[providerLabel] : undefined
  const written = pick(entry, 'base_url') as string | undefined
  if (kind?.settings.baseUrl === 'none' && written !== undefined) {
    issues.push({ path: `${source}.base_url`, message: `provider "${providerLabel}" has no base URL (it is not an HTTP upstream); remove the field` })
    ok = false
  }
  const baseUrl = written ?? kind?.settings.defaultBaseUrl ?? (kind?.settings.baseUrl === 'none' ? '' : undefined)
  if (providerLabel && baseUrl === undefined) {
    issues.push({ path: `${source}.base_url`, message: `missing; provider "${providerLabel}" needs a base URL such as "https://api.deepseek.com/v1"` })
    ok = false
  }
  if (!ok || !model || !providerLabel || !kind || baseUrl === undefined) return null
  // Only a chat request has the choice; elsewhere the value would be ignored without a word.
  if (pick(entry, 'structured_output') !== undefined && kind.dialect !== 'chat') {
    issues.push({ path: `${source}.structured_output`, message: `only chat providers (openai, generic-chat-completion-api, ollama) send a response_format; provider "${providerLabel}" does not, remove the field` })
    return null
  }
  for (const rule of READ_ONLY_BY) {
    const key = rule[0]
    const readers = rule[1]
    if (pick(entry, key) === undefined || readers.includes(providerLabel)) continue
    // Named as written: `thinkingBudgetTokens` when that is the spelling in the file.
    const written = record[key] !== undefined ? key : (CAMEL_OF.get(key) ?? key)
    issues.push({ path: `${source}.${written}`, message: `only ${readers.join(', ')} entries read it; provider "${providerLabel}" would ignore it, remove the field` })
    ok = false
  }
  if (!ok) return null

  const provider: ProviderName = providerLabel === 'ollama' ? 'generic-chat-completion-api' : providerLabel
  const slug = (pick(entry, 'slug') as string | undefined) ?? slugify(model)
  const result: ModelSettings = {
    slug,
    model,
    provider,
    provider_label: providerLabel,
    base_url: withoutTrailingSlashes(baseUrl),
    display_name: (pick(entry, 'display_name') as string | undefined) ?? model,
    no_image_support: (pick(entry, 'no_image_support') as boolean | undefined) ?? false,
    extra_headers: (pick(entry, 'extra_headers') as Record<string, string> | undefined) ?? {},
    source,
  }
  const optional = ['api_key', 'api_key_env', 'max_context_limit', 'max_output_tokens', 'reasoning_effort', 'reasoning_efforts', 'thinking_budget_tokens', 'prompt_caching', 'service_tier', 'structured_output', 'generated_by', 'workspace', 'fallbacks', 'price'] as const
  for (const key of optional) {
    const value = pick(entry, key)
    if (value !== undefined) (result as unknown as Record<string, unknown>)[key] = value
  }
  const fallbackKey = defaultKeyEnv(kind, result.base_url)
  if (fallbackKey) result.default_key_env = fallbackKey
  if (result.api_key !== undefined && result.api_key_env !== undefined) {
    warnings.push(`${source}: both api_key and api_key_env are set; api_key wins`)
  }
  return result
}
