import type { TokenCounts } from './row.ts'

/** USD per million tokens, as providers publish them. */
export interface Price {
  input: number
  /** Rate for input tokens read from the provider's cache; the input rate when absent. */
  cached_input?: number
  output: number
  /** Rate for input tokens written to the cache (Anthropic); the input rate when absent. */
  cache_write?: number
}

/**
 * What a request cost in USD, or null when the model has no price.
 *
 * Convention (OpenAI's, and the canonical Usage's): `input_tokens` counts every
 * input token, including those read from the cache and those written to it.
 * So cached and cache-write tokens are billed at their own rates and taken out
 * of the input count first: never billed twice. Reasoning tokens are part of
 * `output_tokens` and billed there. Unknown (null) counts bill nothing.
 */
export function costOf(tokens: TokenCounts, price: Price | null | undefined): number | null {
  if (!price) return null
  const input = tokens.input_tokens ?? 0
  const cached = Math.min(tokens.cached_input_tokens ?? 0, input)
  const written = Math.min(tokens.cache_write_tokens ?? 0, input - cached)
  const fresh = input - cached - written
  const micro =
    fresh * price.input +
    cached * (price.cached_input ?? price.input) +
    written * (price.cache_write ?? price.input) +
    (tokens.output_tokens ?? 0) * price.output
  return micro / 1_000_000
}
