import type { ResponsesItem } from '../canonical/types.ts'
import { clampEffort } from '../canonical/effort.ts'
import { withoutShimItems } from '../canonical/shim-items.ts'

/** Fields the backend rejects (spec §f: "Unsupported parameter: max_output_tokens"). */
const REJECTED = ['max_output_tokens', 'temperature', 'top_p', 'truncation', 'user', 'metadata', 'max_tool_calls', 'top_logprobs', 'frequency_penalty', 'presence_penalty']

export interface PatchOptions {
  /** The backend's model slug. */
  model: string
  /** Codex sends its prompt as developer messages; other clients may need it hoisted into `instructions`. */
  clientIsCodex: boolean
  efforts: string[] | null
  pinnedEffort?: string
  pinnedServiceTier?: string
}

/**
 * Patches a Responses body only where the backend requires it: model name,
 * `stream: true`, `store: false`, rejected fields removed, reasoning effort
 * clamped, `instructions` hoisted for non-Codex clients, and reasoning or
 * compaction items that another provider produced (our markers) made safe.
 * Returns null when nothing needed changing, so the original bytes can go as is.
 * The body comes as the client sent it: a fast path does not validate its
 * items (the backend judges them), so what is not the expected shape is
 * passed on, never read as if it were.
 */
export function patchForBackend(body: Record<string, unknown>, options: PatchOptions): Record<string, unknown> | null {
  const out: Record<string, unknown> = { ...body }
  let changed = false
  const set = (key: string, value: unknown) => {
    if (JSON.stringify(out[key]) !== JSON.stringify(value)) {
      out[key] = value
      changed = true
    }
  }
  set('model', options.model)
  set('stream', true)
  set('store', false)
  for (const key of REJECTED) if (key in out) {
    delete out[key]
    changed = true
  }
  const reasoning = (out.reasoning ?? undefined) as { effort?: string } | undefined
  const wanted = options.pinnedEffort ?? reasoning?.effort
  if (wanted && options.efforts) {
    const effort = clampEffort(wanted, options.efforts)
    if (effort && effort !== reasoning?.effort) set('reasoning', { ...reasoning, effort })
  } else if (options.pinnedEffort) set('reasoning', { ...reasoning, effort: options.pinnedEffort })
  if (options.pinnedServiceTier) set('service_tier', options.pinnedServiceTier)

  if (Array.isArray(out.input)) {
    const original = out.input as ResponsesItem[]
    let input = original
    if (!options.clientIsCodex && !out.instructions) {
      const leading: string[] = []
      while (input[0]?.type === 'message' && ['system', 'developer'].includes((input[0] as { role: string }).role)) {
        const content = (input[0] as { content: unknown }).content
        // Content neither text nor a list stays in the input, for the backend to refuse.
        if (typeof content !== 'string' && !Array.isArray(content)) break
        leading.push(typeof content === 'string' ? content : content.map((part: { text?: string } | null) => part?.text ?? '').join('\n'))
        input = input.slice(1)
      }
      if (leading.length) set('instructions', leading.join('\n\n'))
    }
    // The backend stores nothing: items codex-shim made for other providers cannot be read there.
    input = withoutShimItems(input, { stored: false })
    // A new array only where something was taken out or replaced (withoutShimItems hands back the same one otherwise).
    if (input !== original) set('input', input)
  }
  return changed ? out : null
}
