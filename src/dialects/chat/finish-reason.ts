/** How a Chat answer ends, as the Responses stream says it. */
export type FinishOutcome =
  | { status: 'completed' }
  | { status: 'incomplete'; reason: string }
  /** The upstream says it interrupted the answer: `server_error`, which Codex retries (spec §d.4). */
  | { status: 'failed'; code: 'server_error'; why: string }

/**
 * Chat `finish_reason` → how the Responses stream ends. `length` and
 * `content_filter` become `response.incomplete` (Codex treats it as fatal and
 * shows the reason); a reason that says the upstream broke off becomes
 * `response.failed`, so the half answer is retried instead of taken as final.
 */
export const CHAT_FINISH_REASONS = {
  stop: { status: 'completed' },
  tool_calls: { status: 'completed' },
  function_call: { status: 'completed' },
  // Together AI's end of sequence (not an OpenAI value, but a normal stop); Hugging Face TGI's, and a stop sequence met.
  eos: { status: 'completed' },
  eos_token: { status: 'completed' },
  stop_sequence: { status: 'completed' },
  length: { status: 'incomplete', reason: 'max_output_tokens' },
  // Mistral: the model's context window filled up.
  model_length: { status: 'incomplete', reason: 'max_output_tokens' },
  content_filter: { status: 'incomplete', reason: 'content_filter' },
  // Zhipu (GLM): its safety filter stopped the answer.
  sensitive: { status: 'incomplete', reason: 'content_filter' },
  // DeepSeek documents it: "the request is interrupted due to insufficient resource of the inference system".
  insufficient_system_resource: { status: 'failed', code: 'server_error', why: 'the upstream ran out of inference resources and interrupted the answer' },
  // OpenRouter's normalised provider failure; Mistral's too.
  error: { status: 'failed', code: 'server_error', why: 'the upstream reported an error and cut the answer off' },
  // vLLM ends engine-aborted requests this way, then still sends [DONE] (vllm-project/vllm#57082).
  abort: { status: 'failed', code: 'server_error', why: 'the upstream aborted the answer' },
  // Zhipu (GLM): its inference failed partway.
  network_error: { status: 'failed', code: 'server_error', why: 'the upstream reported a network error and cut the answer off' },
} as const satisfies Record<string, FinishOutcome>

/**
 * No finish_reason (a stream that ended with [DONE]) is a normal end, and so is a reason not in the
 * table. Servers have their own words for "stop" (TGI's `eos_token` for years), and anything else
 * would end a finished turn badly everywhere: `response.incomplete` is fatal in Codex, and Chat and
 * Messages clients have no place for the word, so they would be told `length`/`max_tokens`, which
 * Claude Code takes for a cut-off answer. Reasons that say the answer broke off are table rows.
 */
export function mapFinishReason(reason: string | null | undefined): FinishOutcome {
  if (!reason) return { status: 'completed' }
  const name = String(reason) // the wire is unchecked: a number would otherwise break the lookup
  if (Object.hasOwn(CHAT_FINISH_REASONS, name)) return CHAT_FINISH_REASONS[name as keyof typeof CHAT_FINISH_REASONS]
  return { status: 'completed' }
}
