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
  // Together AI's end of sequence (not an OpenAI value, but a normal stop).
  eos: { status: 'completed' },
  length: { status: 'incomplete', reason: 'max_output_tokens' },
  // Mistral: the model's context window filled up.
  model_length: { status: 'incomplete', reason: 'max_output_tokens' },
  content_filter: { status: 'incomplete', reason: 'content_filter' },
  // DeepSeek documents it: "the request is interrupted due to insufficient resource of the inference system".
  insufficient_system_resource: { status: 'failed', code: 'server_error', why: 'the upstream ran out of inference resources and interrupted the answer' },
  // OpenRouter's normalised provider failure; Mistral's too.
  error: { status: 'failed', code: 'server_error', why: 'the upstream reported an error and cut the answer off' },
  // vLLM ends engine-aborted requests this way, then still sends [DONE] (vllm-project/vllm#57082).
  abort: { status: 'failed', code: 'server_error', why: 'the upstream aborted the answer' },
} as const satisfies Record<string, FinishOutcome>

/**
 * No finish_reason (a stream that ended with [DONE]) is a normal end. A reason not in the table
 * ends as `response.incomplete` naming it: it may say something went wrong, so the answer must not
 * read as a clean success, but a retry (`response.failed`) could re-run a fine answer from a
 * provider with its own word for "stop" over and over. Incomplete is fatal in Codex and shows the
 * upstream's word, so a user can tell us which table row is missing.
 */
export function mapFinishReason(reason: string | null | undefined): FinishOutcome {
  if (!reason) return { status: 'completed' }
  const name = String(reason) // the wire is unchecked: a number would otherwise break the lookup
  if (Object.hasOwn(CHAT_FINISH_REASONS, name)) return CHAT_FINISH_REASONS[name as keyof typeof CHAT_FINISH_REASONS]
  return { status: 'incomplete', reason: `finish_reason ${JSON.stringify(name.slice(0, 80))}` }
}
