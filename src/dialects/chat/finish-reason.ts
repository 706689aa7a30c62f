/**
 * Chat `finish_reason` → how the Responses stream ends. `length` and
 * `content_filter` become `response.incomplete` (Codex treats it as fatal and
 * shows the reason); everything else completes.
 */
export const CHAT_FINISH_REASONS = {
  stop: { status: 'completed' },
  tool_calls: { status: 'completed' },
  function_call: { status: 'completed' },
  length: { status: 'incomplete', reason: 'max_output_tokens' },
  content_filter: { status: 'incomplete', reason: 'content_filter' },
} as const satisfies Record<string, { status: 'completed' } | { status: 'incomplete'; reason: string }>

export function mapFinishReason(reason: string | null | undefined): { status: 'completed' } | { status: 'incomplete'; reason: string } {
  return (reason && CHAT_FINISH_REASONS[reason as keyof typeof CHAT_FINISH_REASONS]) || { status: 'completed' }
}
