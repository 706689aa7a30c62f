/**
 * The names a model entry may carry, apart from their schemas (schema.ts): the
 * normaliser reads only these, so a start whose settings this build already
 * validated (validated-record.ts) normalises them without building the schemas.
 */

/** camelCase spelling → canonical snake_case key. */
export const CAMEL_ALIASES = {
  baseUrl: 'base_url',
  apiKey: 'api_key',
  apiKeyEnv: 'api_key_env',
  displayName: 'display_name',
  maxContextLimit: 'max_context_limit',
  maxOutputTokens: 'max_output_tokens',
  noImageSupport: 'no_image_support',
  extraHeaders: 'extra_headers',
  reasoningEffort: 'reasoning_effort',
  reasoningEfforts: 'reasoning_efforts',
  thinkingBudgetTokens: 'thinking_budget_tokens',
  promptCaching: 'prompt_caching',
  serviceTier: 'service_tier',
  structuredOutput: 'structured_output',
} as const

/** Every field a model entry may carry, snake_case, in the order messages list them. */
export const ENTRY_KEYS = [
  'slug',
  'model',
  'provider',
  'base_url',
  'api_key',
  'api_key_env',
  'display_name',
  'max_context_limit',
  'max_output_tokens',
  'no_image_support',
  'extra_headers',
  'reasoning_effort',
  'reasoning_efforts',
  'thinking_budget_tokens',
  'prompt_caching',
  'service_tier',
  'structured_output',
  'generated_by',
  'workspace',
  'fallbacks',
  'price',
] as const

export type EntryKey = (typeof ENTRY_KEYS)[number]

/** Every field an alias may carry (schema.ts's AliasSchema; a test keeps the two the same). */
export const ALIAS_KEYS = ['slug', 'reasoning_effort', 'service_tier', 'max_output_tokens', 'verbosity', 'display_name', 'fallbacks'] as const
