import type { ResponsesItem } from './types.ts'

/**
 * What the Responses API's own tools left in a conversation (a shell or apply_patch call and its
 * output, an MCP call, a web search, a computer action): chat and Anthropic upstreams have no item
 * for them, and leaving them out would have the model reason about a history with holes in it
 * (after a switch from a Responses model, say). Each becomes a note of what it was: a call the
 * model's (assistant), an output the world's (user, so a history that ends in one still ends
 * with the user: an assistant message last would be a prefill to Anthropic). Items that only steer
 * the client (compaction triggers, snapshots, tool lists) and a web search's bare query are left out.
 */
const AS_TEXT: ReadonlySet<string> = new Set([
  'local_shell_call', 'local_shell_call_output', 'shell_call', 'shell_call_output', 'apply_patch_call', 'apply_patch_call_output',
  'computer_call', 'computer_call_output', 'mcp_call', 'mcp_approval_request', 'mcp_approval_response', 'code_interpreter_call',
  'file_search_call', 'image_generation_call', 'agent_message',
])
const FROM_THE_WORLD: ReadonlySet<string> = new Set(['local_shell_call_output', 'shell_call_output', 'apply_patch_call_output', 'computer_call_output', 'mcp_approval_response'])

// Not replayed as text: images and other large payloads (a screenshot, a generated image).
const BULKY = 2048
const withoutBulk = (_key: string, value: unknown) => (typeof value === 'string' && value.length > BULKY && (value.startsWith('data:') || !/\s/.test(value)) ? `(${value.length} characters not replayed)` : value)

/** The conversation with those items as assistant notes; the same array when there are none. */
export function foreignItemsAsText(input: ResponsesItem[]): ResponsesItem[] {
  if (!input.some((item) => AS_TEXT.has(item.type))) return input
  return input.map((item): ResponsesItem => {
    if (!AS_TEXT.has(item.type)) return item
    const { type, id: _id, status: _status, call_id: callId, ...rest } = item as Record<string, unknown>
    const label = `[${String(type)}${typeof callId === 'string' ? ` ${callId}` : ''}, from the Responses API]`
    const text = `${label} ${JSON.stringify(rest, withoutBulk)}`
    return (FROM_THE_WORLD.has(String(type)) ? { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } : { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }) as ResponsesItem
  })
}
