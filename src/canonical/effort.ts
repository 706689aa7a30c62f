/** Effort levels from least to most; Codex also sends `ultra` (spec §a.2). */
const ORDER = ['none', 'minimal', 'low', 'medium', 'high', 'xhigh', 'max', 'ultra'] as const

/**
 * The effort a translated request asks of its upstream: `none` stays none (reasoning off: no
 * thinking on Anthropic; no `reasoning_effort` on a chat model that does not list `none`), never
 * raised to the weakest level the model lists, which turned reasoning on. Anything else is clamped.
 */
export function translatedEffort(requested: string | null | undefined, supported: readonly string[]): string | undefined {
  return requested === 'none' ? 'none' : clampEffort(requested, supported)
}

/**
 * Codex sends efforts unclamped (`xhigh`, `max`, `ultra` to a model that knows
 * low/medium/high). Pick the strongest supported level not above the request,
 * else the weakest supported one.
 */
export function clampEffort(requested: string | null | undefined, supported: readonly string[]): string | undefined {
  if (!requested || !supported.length) return undefined
  if (supported.includes(requested)) return requested
  const rank = ORDER.indexOf(requested as (typeof ORDER)[number])
  if (rank === -1) return undefined
  const ranked = supported
    .map((effort) => ({ effort, rank: ORDER.indexOf(effort as (typeof ORDER)[number]) }))
    .filter((entry) => entry.rank !== -1)
    .sort((a, b) => a.rank - b.rank)
  const below = ranked.filter((entry) => entry.rank <= rank).at(-1)
  return (below ?? ranked[0])?.effort
}
