import { CUSTOM_INPUT_FIELD } from '../../canonical/flatten-tools.ts'
import { isRelayedEvent, type ReasoningItem, type ResponseObject, type ResponsesEvent, type Usage } from '../../canonical/types.ts'
import type { ShimError } from '../../errors.ts'
import { formatEvent } from '../../sse/encode.ts'
import type { SseMessage } from '../../sse/parse.ts'
import type { PassthroughDialect } from '../../sse/watch.ts'
import { responsesFailure } from '../responses/errors.ts'
import { messageAsEvents } from './replay.ts'
import { decodeThinking, encodeCarriedReasoning } from './thinking-signature.ts'
import { FOREIGN_SIGNATURE } from './to-canonical.ts'
import { toMessagesToolId } from './tool-id.ts'

export interface MessagesEncodeOptions {
  model: string
  id: string
}

function toMessagesUsage(usage: Usage | null | undefined): { input_tokens: number; output_tokens: number; cache_read_input_tokens: number; cache_creation_input_tokens: number } {
  const read = usage?.input_tokens_details?.cached_tokens ?? 0
  const write = usage?.input_tokens_details?.cache_write_tokens ?? 0
  return { input_tokens: Math.max(0, (usage?.input_tokens ?? 0) - read - write), output_tokens: usage?.output_tokens ?? 0, cache_read_input_tokens: read, cache_creation_input_tokens: write }
}

function stopReason(response: ResponseObject, sawTool: boolean, refused = false): string {
  if (response.status === 'incomplete') return response.incomplete_details?.reason === 'content_filter' ? 'refusal' : 'max_tokens'
  // Messages has no refusal block: the refusal is the text, and the stop reason says what it is.
  if (refused) return 'refusal'
  return sawTool ? 'tool_use' : 'end_turn'
}

const toolName = (item: { name: string; namespace?: string }) => (item.namespace ? `${item.namespace}__${item.name}` : item.name)

/** Anthropic's error `type` for a canonical failure code. */
export function messagesErrorType(code: string | undefined): string {
  if (code === 'rate_limit_exceeded') return 'rate_limit_error'
  if (code === 'context_length_exceeded' || code === 'invalid_prompt') return 'invalid_request_error'
  if (code === 'server_error' || code === 'timeout') return 'overloaded_error'
  return 'api_error'
}

/** How a Messages stream ends in failure: an `error` event, which the Anthropic SDK raises. */
export function messagesStreamFailure(failure: { code?: string; message: string }) {
  return { type: 'error' as const, error: { type: messagesErrorType(failure.code), message: failure.message } }
}

/** The Messages fast path's view of the upstream: `message_stop` or the upstream's own `error` event ends the answer. */
export const MESSAGES_PASSTHROUGH: PassthroughDialect = {
  terminals: ['event: message_stop', '"type":"message_stop"', 'event: error'],
  failure: (error: ShimError) => formatEvent(messagesStreamFailure(responsesFailure(error))),
  // Input tokens come in message_start, the output count in message_delta: merged. A null in
  // message_delta (the SDK types its input fields `number | null`) is no figure, not zero: it keeps
  // message_start's, as the translated route does (messages/stream.ts).
  usage: (event, previous) => {
    const usage = event.type === 'message_start' ? event.message?.usage : event.type === 'message_delta' ? event.usage : undefined
    if (!usage || typeof usage !== 'object') return previous
    return { ...(previous as object), ...Object.fromEntries(Object.entries(usage).filter(([, value]) => value !== null && value !== undefined)) }
  },
  answerAsStream: (answer) => (answer.type === 'message' && Array.isArray(answer.content) ? messageAsEvents(answer) : null),
}

/**
 * A reasoning item's thinking-block signature for a Messages client: Anthropic's own (kept inside
 * the item), another upstream's encrypted reasoning carried inside it, or our unsigned marker.
 */
function thinkingSignature(item: ReasoningItem): string {
  const encrypted = item.encrypted_content
  const stored = decodeThinking(encrypted)
  if (stored?.type === 'thinking') return stored.signature
  if (!stored && typeof encrypted === 'string' && encrypted) return encodeCarriedReasoning({ ...(typeof item.id === 'string' && item.id && { id: item.id }), encrypted_content: encrypted })
  return FOREIGN_SIGNATURE
}

/** The same encoder as a function (event → SSE messages), for the fused single-stage path. */
export function createMessagesEncoder(options: MessagesEncodeOptions): (event: ResponsesEvent) => SseMessage[] {
  const blockIndex = new Map<number, number>() // output_index → content block index
  const sentJson = new Map<number, string>() // output_index → the tool input JSON a client has of that call
  let next = 0
  let sawTool = false
  let refused = false
  let started = false
  let collected: SseMessage[] = []
  const out = (event: Record<string, unknown> & { type: string }) => collected.push({ event: event.type, data: JSON.stringify(event) })
  const start = (usage?: Usage | null) => {
    if (started) return
    started = true
    out({ type: 'message_start', message: { id: options.id, type: 'message', role: 'assistant', model: options.model, content: [], stop_reason: null, stop_sequence: null, usage: toMessagesUsage(usage) } })
  }
  // Anthropic sends one block at a time (start, deltas, stop), and the SDK's stream helper assumes
  // it: a block that starts before the last one stopped is reported as the wrong block. Canonical
  // items may overlap (a Chat upstream's parallel calls, interleaved by index), so an item that
  // would open a block while another is open waits here, its events in order, until that one stops.
  let openBlock: number | null = null // output_index of the block started and not yet stopped
  const waiting = new Map<number, ResponsesEvent[]>() // output_index → held events, in arrival order
  const open = (outputIndex: number, block: Record<string, unknown>) => {
    const index = next++
    blockIndex.set(outputIndex, index)
    openBlock = outputIndex
    out({ type: 'content_block_start', index, content_block: block })
    return index
  }

  const opensBlock = (event: ResponsesEvent) =>
    (event.type === 'response.output_item.added' && ['message', 'reasoning', 'function_call'].includes(event.item.type)) ||
    (event.type === 'response.output_item.done' && ['custom_tool_call', 'function_call'].includes(event.item.type) && !blockIndex.has(event.output_index))
  const sendJson = (outputIndex: number, partial: string) => {
    const index = blockIndex.get(outputIndex)
    if (index === undefined || !partial) return
    sentJson.set(outputIndex, (sentJson.get(outputIndex) ?? '') + partial)
    out({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: partial } })
  }
  // The ChatGPT backend (and other Responses upstreams) may send a call's arguments only whole, on
  // the added item or in function_call_arguments.done / output_item.done, with no delta: what no
  // delta carried goes out before the block stops. Deltas that disagree with the whole cannot be
  // taken back; what was sent stands then, as it would for any client reading the deltas.
  const completeJson = (outputIndex: number, whole: unknown) => {
    const sent = sentJson.get(outputIndex) ?? ''
    if (typeof whole === 'string' && whole.startsWith(sent)) sendJson(outputIndex, whole.slice(sent.length))
  }
  const openCall = (outputIndex: number, item: { call_id: string; name: string; namespace?: string; arguments?: unknown }) => {
    start()
    sawTool = true
    open(outputIndex, { type: 'tool_use', id: toMessagesToolId(item.call_id), name: toolName(item), input: {} })
    completeJson(outputIndex, item.arguments)
  }
  const hold = (event: ResponsesEvent): boolean => {
    const outputIndex = (event as { output_index?: unknown }).output_index
    if (typeof outputIndex !== 'number') return false
    const held = waiting.get(outputIndex)
    if (held) held.push(event)
    else if (openBlock !== null && openBlock !== outputIndex && opensBlock(event)) waiting.set(outputIndex, [event])
    else return false
    return true
  }
  const release = () => {
    // Every held item begins with the event that opens its block, so replaying one opens it;
    // if it also stops, the next follows.
    for (const [outputIndex, events] of waiting) {
      if (openBlock !== null) return
      waiting.delete(outputIndex)
      for (const event of events) handle(event)
    }
  }

  const handle = (event: ResponsesEvent): void => {
    if (isRelayedEvent(event)) return // hosted tools' progress: no Messages block for it
    if (hold(event)) return
    switch (event.type) {
      case 'response.created':
        return start(event.response?.usage)
      case 'response.output_item.added': {
        start()
        const item = event.item
        if (item.type === 'message') open(event.output_index, { type: 'text', text: '' })
        else if (item.type === 'reasoning') open(event.output_index, { type: 'thinking', thinking: '', signature: '' })
        else if (item.type === 'function_call') openCall(event.output_index, item as { call_id: string; name: string })
        return
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta': {
        if (event.type === 'response.refusal.delta') refused = true
        const index = blockIndex.get(event.output_index)
        if (index !== undefined) out({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: event.delta } })
        return
      }
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta': {
        const index = blockIndex.get(event.output_index)
        if (index !== undefined) out({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: event.delta } })
        return
      }
      case 'response.function_call_arguments.delta':
        return sendJson(event.output_index, event.delta)
      case 'response.function_call_arguments.done':
        return completeJson(event.output_index, event.arguments)
      case 'response.output_item.done': {
        const item = event.item
        let index = blockIndex.get(event.output_index)
        if (item.type === 'custom_tool_call' && index === undefined) {
          sawTool = true
          const call = item as { call_id: string; name: string; input: string }
          index = open(event.output_index, { type: 'tool_use', id: toMessagesToolId(call.call_id), name: call.name, input: {} })
          out({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: JSON.stringify({ [CUSTOM_INPUT_FIELD]: call.input }) } })
        } else if (item.type === 'function_call') {
          // A call never announced arrives whole here; an announced one gets what no delta carried.
          if (index === undefined) openCall(event.output_index, item as { call_id: string; name: string; arguments?: unknown })
          else completeJson(event.output_index, (item as { arguments?: unknown }).arguments)
          index = blockIndex.get(event.output_index)
        }
        if (index === undefined) return
        if (item.type === 'reasoning') {
          const signature = thinkingSignature(item as ReasoningItem)
          out({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature } })
        }
        out({ type: 'content_block_stop', index })
        if (openBlock === event.output_index) {
          openBlock = null
          release()
        }
        return
      }
      case 'response.completed':
      case 'response.incomplete': {
        const response = event.response
        start(response.usage)
        const usage = toMessagesUsage(response.usage)
        out({ type: 'message_delta', delta: { stop_reason: stopReason(response, sawTool, refused), stop_sequence: null }, usage: { output_tokens: usage.output_tokens, input_tokens: usage.input_tokens, cache_read_input_tokens: usage.cache_read_input_tokens, cache_creation_input_tokens: usage.cache_creation_input_tokens } })
        out({ type: 'message_stop' })
        return
      }
      case 'response.failed': {
        const error = event.response.error
        out(messagesStreamFailure({ code: error?.code, message: error?.message ?? 'The upstream failed.' }))
        return
      }
      // Said by the events above, or nothing a Messages stream carries.
      case 'response.in_progress':
      case 'response.content_part.added':
      case 'response.content_part.done':
      case 'response.output_text.done':
      case 'response.refusal.done':
      case 'response.reasoning_summary_part.added':
      case 'response.reasoning_summary_part.done':
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_text.done':
      case 'response.custom_tool_call_input.delta':
      case 'response.custom_tool_call_input.done':
        return
      // Messages cites by Anthropic's own locations (a web result's encrypted index, a document's
      // character range): a URL alone is none of them, and one made up would be refused when replayed.
      case 'response.output_text.annotation.added':
        return
      default: {
        const unhandled: never = event
        return unhandled
      }
    }
  }
  return (event) => {
    collected = []
    handle(event)
    return collected
  }
}

/** The aggregated canonical response → one Anthropic `message` object. */
export function responseToMessage(response: ResponseObject, options: MessagesEncodeOptions): Record<string, unknown> {
  const content: Record<string, unknown>[] = []
  let sawTool = false
  let refused = false
  for (const item of response.output) {
    if (item.type === 'message') {
      const parts = (item as { content: { type?: string; text?: string; refusal?: string }[] }).content ?? []
      if (parts.some((part) => part.type === 'refusal')) refused = true
      const text = parts.map((part) => (part.type === 'refusal' ? (part.refusal ?? '') : (part.text ?? ''))).join('')
      if (text) content.push({ type: 'text', text })
    } else if (item.type === 'reasoning') {
      const stored = decodeThinking((item as { encrypted_content?: string | null }).encrypted_content)
      if (stored?.type === 'redacted_thinking') content.push(stored)
      else content.push({ type: 'thinking', thinking: ((item as { summary?: { text: string }[] }).summary ?? []).map((s) => s.text).join(''), signature: thinkingSignature(item as ReasoningItem) })
    } else if (item.type === 'function_call') {
      sawTool = true
      const call = item as { call_id: string; name: string; namespace?: string; arguments: string }
      let input: unknown = {}
      try {
        input = JSON.parse(call.arguments || '{}')
      } catch {
        input = { arguments: call.arguments }
      }
      content.push({ type: 'tool_use', id: toMessagesToolId(call.call_id), name: toolName(call), input })
    } else if (item.type === 'custom_tool_call') {
      sawTool = true
      const call = item as { call_id: string; name: string; input: string }
      content.push({ type: 'tool_use', id: toMessagesToolId(call.call_id), name: call.name, input: { [CUSTOM_INPUT_FIELD]: call.input } })
    }
  }
  return { id: options.id, type: 'message', role: 'assistant', model: options.model, content, stop_reason: stopReason(response, sawTool, refused), stop_sequence: null, usage: toMessagesUsage(response.usage) }
}

/** Anthropic's error body and status for a ShimError (before any byte was sent). */
export function messagesErrorResponse(error: ShimError): Response {
  const type =
    // By status too: an upstream's 401/403/404 reaches us as an upstream error of that status.
    error.kind === 'unauthorized' || error.kind === 'auth_expired' || error.status === 401
      ? 'authentication_error'
      : error.kind === 'forbidden' || error.status === 403
        ? 'permission_error'
        : error.kind === 'not_found' || error.kind === 'unknown_model' || error.status === 404
          ? 'not_found_error'
          : error.status === 429
            ? 'rate_limit_error'
            : error.status === 413
              ? 'request_too_large'
              : error.status >= 500
                ? (error.status === 503 ? 'overloaded_error' : 'api_error')
                : 'invalid_request_error'
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (error.details.retryAfter) headers['retry-after'] = error.details.retryAfter
  return new Response(JSON.stringify({ type: 'error', error: { type, message: error.message } }), { status: error.status, headers })
}
