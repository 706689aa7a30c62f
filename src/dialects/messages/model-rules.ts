/**
 * What Claude generations refuse that earlier ones took, told apart by the model id (any prefix
 * or suffix: `anthropic/claude-opus-4-7`, a dated id). Other Anthropic-shaped upstreams (DeepSeek,
 * GLM, Kimi) match none of these and keep the older behaviour.
 */

// A version digit that is not the start of a longer number (a date, `4-20250514`).
const V = '(?![0-9])'

/**
 * Claude Opus 4.7, the 5 models and later: adaptive thinking only. `thinking.type: "enabled"`
 * (a budget) and sampling overrides (`temperature`, `top_p`, `top_k`) are refused with a 400;
 * the depth of thinking is `output_config.effort`.
 */
const ADAPTIVE_ONLY = new RegExp(`claude-(?:opus-4-[7-9]${V}|(?:opus|sonnet|haiku)-[5-9]${V}|mythos|fable)`, 'i')

/** Claude 4.6 and later refuse an assistant prefill: the conversation must end with a user turn. */
const NO_PREFILL = new RegExp(`claude-(?:(?:opus|sonnet|haiku)-4-[6-9]${V}|(?:opus|sonnet|haiku)-[5-9]${V}|mythos|fable)`, 'i')

export function adaptiveThinkingOnly(model: string): boolean {
  return ADAPTIVE_ONLY.test(model)
}

export function refusesPrefill(model: string): boolean {
  return NO_PREFILL.test(model)
}

/**
 * Codex's effort as `output_config.effort`, which takes low, medium, high, xhigh and max:
 * `minimal` is the least there is, `ultra` the most.
 */
export function outputEffort(effort: string): 'low' | 'medium' | 'high' | 'xhigh' | 'max' {
  if (effort === 'minimal' || effort === 'low') return 'low'
  if (effort === 'medium' || effort === 'high' || effort === 'xhigh' || effort === 'max') return effort
  if (effort === 'ultra') return 'max'
  return 'high'
}
