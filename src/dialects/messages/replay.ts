import { formatEvent } from '../../sse/encode.ts'

/**
 * A whole Messages answer (`"type": "message"`) as the events that stream it:
 * message_start with no content yet, each block opened, filled by one delta of
 * its kind (text with its citations, thinking with its signature, a tool's
 * input as one JSON piece), closed, then message_delta with the stop reason
 * and message_stop. Blocks with no delta of their own (redacted thinking,
 * server tool results) open whole, as the API streams them. For an upstream
 * that ignored `stream: true`; the client's stream helper rebuilds the same message.
 */
export function messageAsEvents(message: Record<string, any>): string {
  const { content, stop_reason, stop_sequence, usage, ...rest } = message
  const blocks: any[] = Array.isArray(content) ? content : []
  let text = formatEvent({ type: 'message_start', message: { ...rest, content: [], stop_reason: null, stop_sequence: null, usage: { ...usage, output_tokens: 0 } } })
  blocks.forEach((block, index) => {
    for (const event of blockEvents(block, index)) text += formatEvent(event)
  })
  text += formatEvent({ type: 'message_delta', delta: { stop_reason: stop_reason ?? 'end_turn', stop_sequence: stop_sequence ?? null }, usage: { output_tokens: usage?.output_tokens ?? 0 } })
  return text + formatEvent({ type: 'message_stop' })
}

type Event = { type: string } & Record<string, unknown>

function blockEvents(block: any, index: number): Event[] {
  const start = (contentBlock: unknown): Event => ({ type: 'content_block_start', index, content_block: contentBlock })
  const delta = (value: Record<string, unknown>): Event => ({ type: 'content_block_delta', index, delta: value })
  const events: Event[] = []
  switch (block?.type) {
    case 'text': {
      const { text, citations, ...shell } = block
      events.push(start(Array.isArray(citations) ? { ...shell, text: '' } : { ...block, text: '' }))
      for (const citation of Array.isArray(citations) ? citations : []) events.push(delta({ type: 'citations_delta', citation }))
      if (text) events.push(delta({ type: 'text_delta', text }))
      break
    }
    case 'thinking': {
      const { thinking, signature, ...shell } = block
      events.push(start({ ...shell, thinking: '', signature: '' }))
      if (thinking) events.push(delta({ type: 'thinking_delta', thinking }))
      if (signature) events.push(delta({ type: 'signature_delta', signature }))
      break
    }
    case 'tool_use':
    case 'server_tool_use':
    case 'mcp_tool_use': {
      const { input, ...shell } = block
      events.push(start({ ...shell, input: {} }))
      const json = input && typeof input === 'object' && Object.keys(input).length ? JSON.stringify(input) : ''
      if (json) events.push(delta({ type: 'input_json_delta', partial_json: json }))
      break
    }
    default:
      events.push(start(block))
  }
  events.push({ type: 'content_block_stop', index })
  return events
}
