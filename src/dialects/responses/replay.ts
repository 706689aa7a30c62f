import type { ContentPart, CustomToolCallItem, EventDraft, FunctionCallItem, MessageItem, OutputItem, OutputText, ReasoningItem, ResponseObject, ResponsesEvent, TerminalEventType } from '../../canonical/types.ts'

type Emit = (event: EventDraft) => void

const TERMINAL_FOR_STATUS: Partial<Record<ResponseObject['status'], TerminalEventType>> = {
  completed: 'response.completed',
  incomplete: 'response.incomplete',
  failed: 'response.failed',
}

/**
 * A stored response as the event stream that produced it (`GET
 * /v1/responses/{id}?stream=true`): created, in_progress, per item `added` →
 * one delta per part → `done`, then the terminal event with the whole
 * response. Each text arrives as a single delta; the SDKs' stream helpers
 * need the `added` events before deltas, as from a live stream.
 */
export function replayResponseEvents(response: ResponseObject): ResponsesEvent[] {
  const events: ResponsesEvent[] = []
  const emit: Emit = (event) => events.push({ ...event, sequence_number: events.length })
  const opening: ResponseObject = { ...response, status: 'in_progress', output: [], usage: null, error: null, incomplete_details: null }
  emit({ type: 'response.created', response: opening })
  emit({ type: 'response.in_progress', response: opening })
  response.output.forEach((item, index) => replayItem(item, index, emit))
  emit({ type: TERMINAL_FOR_STATUS[response.status] ?? 'response.completed', response })
  return events
}

function replayItem(item: OutputItem, index: number, emit: Emit): void {
  const ref = { item_id: typeof item.id === 'string' ? item.id : '', output_index: index }
  // `type` also admits open-ended items (OtherItem), so each case names its shape.
  switch (item.type) {
    case 'message': {
      const message = item as MessageItem
      emit({ type: 'response.output_item.added', output_index: index, item: { ...message, status: 'in_progress', content: [] } })
      const parts: ContentPart[] = typeof message.content === 'string' ? [{ type: 'output_text', text: message.content, annotations: [] }] : message.content
      parts.forEach((part, at) => replayMessagePart(part, { ...ref, content_index: at }, emit))
      break
    }
    case 'reasoning': {
      const { content: reasoningText, ...shell } = item as ReasoningItem
      emit({ type: 'response.output_item.added', output_index: index, item: { ...shell, summary: [] } })
      const summary = shell.summary ?? []
      summary.forEach((part, at) => {
        const where = { ...ref, summary_index: at }
        emit({ type: 'response.reasoning_summary_part.added', ...where, part: { type: 'summary_text', text: '' } })
        if (part.text) emit({ type: 'response.reasoning_summary_text.delta', ...where, delta: part.text })
        emit({ type: 'response.reasoning_summary_text.done', ...where, text: part.text })
        emit({ type: 'response.reasoning_summary_part.done', ...where, part })
      })
      const content = (Array.isArray(reasoningText) ? reasoningText : []) as { text: string }[]
      content.forEach((part, at) => {
        if (part.text) emit({ type: 'response.reasoning_text.delta', ...ref, content_index: at, delta: part.text })
        emit({ type: 'response.reasoning_text.done', ...ref, content_index: at, text: part.text })
      })
      break
    }
    case 'function_call': {
      const call = item as FunctionCallItem
      const text = String(call.arguments ?? '')
      emit({ type: 'response.output_item.added', output_index: index, item: { ...call, arguments: '', status: 'in_progress' } })
      if (text) emit({ type: 'response.function_call_arguments.delta', ...ref, delta: text })
      emit({ type: 'response.function_call_arguments.done', ...ref, arguments: text })
      break
    }
    case 'custom_tool_call': {
      const call = item as CustomToolCallItem
      const text = String(call.input ?? '')
      emit({ type: 'response.output_item.added', output_index: index, item: { ...call, input: '', status: 'in_progress' } })
      if (text) emit({ type: 'response.custom_tool_call_input.delta', ...ref, delta: text })
      emit({ type: 'response.custom_tool_call_input.done', ...ref, input: text })
      break
    }
    default:
      // Whole items (compaction, web_search_call, …) stream as added + done, as the builder sends them.
      emit({ type: 'response.output_item.added', output_index: index, item })
  }
  emit({ type: 'response.output_item.done', output_index: index, item })
}

function replayMessagePart(part: ContentPart, ref: { item_id: string; output_index: number; content_index: number }, emit: Emit): void {
  if (part.type === 'refusal') {
    const refusal = part.refusal ?? ''
    emit({ type: 'response.content_part.added', ...ref, part: { type: 'refusal', refusal: '' } })
    if (refusal) emit({ type: 'response.refusal.delta', ...ref, delta: refusal })
    emit({ type: 'response.refusal.done', ...ref, refusal })
    emit({ type: 'response.content_part.done', ...ref, part })
    return
  }
  // An answer's message holds output_text; any other part is replayed as its text, the one kind the SDKs accept here.
  const text = 'text' in part && typeof part.text === 'string' ? part.text : ''
  const done: OutputText = part.type === 'output_text' ? part : { type: 'output_text', text, annotations: [] }
  emit({ type: 'response.content_part.added', ...ref, part: { type: 'output_text', text: '', annotations: [] } })
  if (text) emit({ type: 'response.output_text.delta', ...ref, delta: text, logprobs: [] })
  emit({ type: 'response.output_text.done', ...ref, text, logprobs: [] })
  emit({ type: 'response.content_part.done', ...ref, part: done })
}
