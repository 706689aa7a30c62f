import * as v from 'valibot'
import { PROVIDER_NAMES, type ProviderName as RegisteredProvider } from '../providers/index.ts'
import type { RouterSettings } from '../routing/router-settings.ts'
import { CAMEL_ALIASES, type EntryKey } from './keys.ts'
import { isSlug } from './slug.ts'

/**
 * The settings file (`~/.codex-shim/models.json`). The canonical spelling is
 * snake_case under `models`; camelCase keys, the legacy `customModels` array
 * (Factory's format) and `launch_models`/`launchModels` are accepted and
 * normalised here, once. Validation runs on the file as written, so an error
 * path names the key the user typed (`customModels[1].baseUrl`).
 */

/** The kinds of upstream, in the order the provider registry lists them. */
export const PROVIDERS = PROVIDER_NAMES
/** The kind an entry is served as (`ollama` entries are generic chat upstreams). */
export type ProviderName = Exclude<RegisteredProvider, 'ollama'>

export const REASONING_EFFORTS = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max'] as const
export type ReasoningEffort = (typeof REASONING_EFFORTS)[number]

const positiveInt = (what: string) =>
  v.pipe(
    v.number(`expected ${what} as a whole number of tokens`),
    v.integer(`expected ${what} as a whole number`),
    v.minValue(1, `expected ${what} to be at least 1`),
  )
const nonEmpty = (what: string) =>
  v.pipe(v.string(`expected ${what} as a string`), v.trim(), v.nonEmpty(`expected a non-empty ${what}`))
const httpUrl = v.pipe(
  v.string('expected a URL string such as "https://api.deepseek.com/v1"'),
  v.trim(),
  v.url('expected an absolute URL such as "https://api.deepseek.com/v1"'),
  v.regex(/^https?:\/\//i, 'expected an http:// or https:// URL such as "http://localhost:8000/v1"'),
)
/** Names checked against the models and aliases once all are known (normalize.ts). */
const fallbackList = v.array(v.pipe(v.string('expected a model slug'), v.trim(), v.nonEmpty('expected a model slug')), 'expected a list of model slugs such as ["deepseek", "gpt-5.5"]')
const effort = v.picklist(REASONING_EFFORTS, `expected one of ${REASONING_EFFORTS.join(', ')}`)

/** RFC 9110's token: what fetch accepts as a header name. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/
/** What fetch refuses in a header value: line breaks, NUL, and anything past Latin-1. */
const HEADER_VALUE_REFUSED = /[\r\n\0]|[^\u0000-\u00ff]/

const fields = {
  slug: v.pipe(
    v.string('expected the slug as a string'),
    v.check(isSlug, 'expected lower-case letters, digits, ".", "_" or "-" (e.g. "deepseek-chat")'),
  ),
  model: nonEmpty('upstream model id'),
  provider: v.picklist(PROVIDERS, `expected one of ${PROVIDERS.join(', ')}`),
  base_url: httpUrl,
  api_key: v.string('expected the API key as a string (or use api_key_env)'),
  api_key_env: v.pipe(
    v.string('expected the name of an environment variable'),
    v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'expected an environment variable name such as "DEEPSEEK_API_KEY"'),
    // A key pasted here would be quoted by every message that names the variable.
    v.check((name) => !looksLikeKey(name), 'expected the name of the variable that holds the key, such as "GROQ_API_KEY", not the key itself (that goes in the environment, or in api_key)'),
  ),
  display_name: nonEmpty('display name'),
  max_context_limit: positiveInt('max_context_limit'),
  max_output_tokens: positiveInt('max_output_tokens'),
  no_image_support: v.boolean('expected true or false'),
  // fetch refuses what it cannot send (on every request, as if the upstream were unreachable): refused here instead.
  extra_headers: v.record(
    v.pipe(v.string(), v.regex(HEADER_NAME, 'expected a header name of letters, digits and !#$%&\'*+-.^_`|~ (no spaces or colons), such as "X-Api-Key"')),
    v.pipe(
      v.string('expected each header value as a string'),
      v.check((value) => !HEADER_VALUE_REFUSED.test(value), 'expected a header value on one line, of Latin-1 characters (no line breaks, NUL or characters such as €)'),
    ),
    'expected an object of header names to string values',
  ),
  reasoning_effort: effort,
  reasoning_efforts: v.array(effort, 'expected a list of reasoning efforts'),
  thinking_budget_tokens: positiveInt('thinking_budget_tokens'),
  prompt_caching: v.boolean('expected true or false'),
  service_tier: v.string('expected a service tier string such as "priority"'),
  /** Chat upstreams: how a JSON-schema output format is sent (json_object for those that refuse json_schema). */
  structured_output: v.picklist(['json_schema', 'json_object'], 'expected "json_schema" (sent as is) or "json_object" (JSON mode, the schema in an instruction)'),
  /** Which command wrote the entry (`opencode-go`, `discover:<host>`): re-runs replace only their own. */
  generated_by: v.string('expected the name of the command that generated this entry'),
  /** Subprocess providers: the folder their own tools act in, when the client does not say. */
  workspace: nonEmpty('workspace folder'),
  /** Slugs tried in order when this model fails before its first byte. */
  fallbacks: fallbackList,
  /** USD per million tokens, for the usage ledger. */
  price: v.strictObject(
    {
      input: v.pipe(v.number('expected a price in USD per million input tokens'), v.minValue(0, 'expected a price of 0 or more')),
      output: v.pipe(v.number('expected a price in USD per million output tokens'), v.minValue(0, 'expected a price of 0 or more')),
      cached_input: v.optional(v.pipe(v.number('expected a price in USD per million cached input tokens'), v.minValue(0, 'expected a price of 0 or more'))),
      cache_write: v.optional(v.pipe(v.number('expected a price in USD per million cache-write tokens'), v.minValue(0, 'expected a price of 0 or more'))),
    },
    'expected {"input": 0.27, "output": 1.10} (USD per million tokens; cached_input and cache_write optional)',
  ),
} as const satisfies Record<EntryKey, v.GenericSchema>

/** Every field a model entry may carry, snake_case. */
export const ENTRY_FIELDS = fields

type FieldName = keyof typeof fields

const rawEntryShape = Object.fromEntries([
  ...Object.entries(fields).map(([key, schema]) => [key, v.optional(schema)]),
  ...Object.entries(CAMEL_ALIASES).map(([camel, snake]) => [camel, v.optional(fields[snake])]),
]) as { [K in FieldName | keyof typeof CAMEL_ALIASES]: v.OptionalSchema<(typeof fields)[K extends keyof typeof CAMEL_ALIASES ? (typeof CAMEL_ALIASES)[K] : K & FieldName], undefined> }

/** Mixed case with digits, and long: a key (`gsk_Wq8d…`), where variable names are `GROQ_API_KEY`. */
function looksLikeKey(name: string): boolean {
  return name.length >= 20 && /[a-z]/.test(name) && /[A-Z]/.test(name) && /[0-9]/.test(name)
}

export const RawModelEntrySchema = v.looseObject(rawEntryShape, 'expected a model entry object like {"model": "…", "provider": "…"}')

const entries = v.array(RawModelEntrySchema, 'expected an array of model entries')
const launchEntries = v.array(
  v.union([v.pipe(v.string(), v.nonEmpty('expected a non-empty slug')), RawModelEntrySchema], 'expected a slug string or a model entry object'),
  'expected an array of slugs or model entries',
)

/** An alias: a name clients use (opaque, so Cursor does not hijack it) → a slug plus pinned options. */
export const AliasSchema = v.looseObject(
  {
    slug: v.pipe(v.string('expected the target model slug as a string'), v.nonEmpty('expected the target model slug')),
    reasoning_effort: v.optional(effort),
    service_tier: v.optional(v.string('expected a service tier string such as "priority"')),
    max_output_tokens: v.optional(positiveInt('max_output_tokens')),
    verbosity: v.optional(v.picklist(['low', 'medium', 'high'], 'expected low, medium or high')),
    display_name: v.optional(nonEmpty('display name')),
    /** Tried in order when the alias's model fails before its first byte; they replace the model's own. */
    fallbacks: v.optional(fallbackList),
  },
  'expected an alias object like {"slug": "deepseek", "reasoning_effort": "low"}',
)
export type AliasSettings = v.InferOutput<typeof AliasSchema>

export const SettingsFileSchema = v.pipe(
  v.custom<Record<string, unknown>>((input) => typeof input === 'object' && input !== null && !Array.isArray(input), 'expected a JSON object with a "models" array'),
  v.looseObject({
    models: v.optional(entries),
    customModels: v.optional(entries),
    launch_models: v.optional(launchEntries),
    launchModels: v.optional(launchEntries),
    aliases: v.optional(v.record(v.string(), AliasSchema, 'expected an object of alias names to {"slug": …}')),
  }),
)

export type RawSettingsFile = v.InferOutput<typeof SettingsFileSchema>
export type RawModelEntry = v.InferOutput<typeof RawModelEntrySchema>

/** One normalised model entry: snake_case, defaults applied, secrets still unresolved. */
export interface ModelSettings {
  slug: string
  model: string
  provider: ProviderName
  /** What the user wrote, e.g. `ollama`: the registry entry that serves it, named in messages and `list`. */
  provider_label: RegisteredProvider
  base_url: string
  api_key?: string
  api_key_env?: string
  display_name: string
  max_context_limit?: number
  max_output_tokens?: number
  no_image_support: boolean
  extra_headers: Record<string, string>
  reasoning_effort?: ReasoningEffort
  reasoning_efforts?: ReasoningEffort[]
  /** Anthropic: extended-thinking budget, overriding the per-effort default. */
  thinking_budget_tokens?: number
  /** Anthropic: place cache_control breakpoints (default true). */
  prompt_caching?: boolean
  /** ChatGPT entries: a pinned service tier (e.g. "priority"). */
  service_tier?: string
  /** Chat entries: how a JSON-schema output format is sent; unset = json_schema (json_object on DeepSeek's host). */
  structured_output?: 'json_schema' | 'json_object'
  /** The key variable the provider reads when the entry names none: set only for the provider's own default host. */
  default_key_env?: string
  generated_by?: string
  workspace?: string
  fallbacks?: string[]
  price?: ModelPrice
  /** Where the entry came from, for error messages (`models[2]`). */
  source: string
}

export type ModelPrice = v.InferOutput<typeof fields.price>

export interface Settings {
  /** The file read, or null when there is none (passthrough-only use). */
  path: string | null
  models: ModelSettings[]
  /** Slugs in launch order: the first is the default model. */
  launch_models: string[]
  /** Alias name → target slug and pinned options. */
  aliases: Record<string, AliasSettings>
  /** The auto router (`router` key), validated against the models and aliases; absent when not configured. */
  router?: RouterSettings
  /** Non-fatal notes (unknown keys, ignored duplicates). */
  warnings: string[]
}
