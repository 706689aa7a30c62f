import type {
  CustomToolCallItem,
  EventDraft,
  FunctionCallItem,
  MessageItem,
  OutputItem,
  ReasoningItem,
  ResponseError,
  ResponseObject,
  ResponsesEvent,
  UrlCitation,
  Usage,
} from './types.ts'
import { answerTooLarge, maxAnswerBytes } from './answer-limit.ts'

export type IdGenerator = (prefix: string) => string

/** Random ids shaped like OpenAI's (`resp_…`, `msg_…`, `fc_…`). */
export const randomIds: IdGenerator = (prefix) => `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`

/** Deterministic ids for golden tests: `msg_1`, `fc_2`, … */
export function counterIds(): IdGenerator {
  let n = 0
  return (prefix) => `${prefix}_${++n}`
}

export interface BuilderOptions {
  model: string
  ids?: IdGenerator
  now?: () => number
  /** Cap on what the answer holds (characters of text, arguments, signatures); default from CODEX_SHIM_MAX_ANSWER_BYTES. */
  maxAnswerBytes?: number
}

/** A message holds one part: the answer's text, or a refusal (what the model said instead of answering). */
interface OpenMessage { kind: 'message'; index: number; item: MessageItem; text: string; refusal: boolean; annotations?: UrlCitation[] }
interface OpenReasoning { kind: 'reasoning'; index: number; item: ReasoningItem; text: string }
interface OpenFunctionCall { kind: 'function_call'; index: number; item: FunctionCallItem }
interface OpenCustomToolCall { kind: 'custom_tool_call'; index: number; item: CustomToolCallItem }
export type OpenItem = OpenMessage | OpenReasoning | OpenFunctionCall | OpenCustomToolCall

/**
 * Emits a well-formed Responses event stream: `created`/`in_progress`, then
 * per item `output_item.added` → parts and deltas → `output_item.done`, then
 * exactly one terminal event. Output indexes and sequence numbers are
 * gap-free. Codex commits an item only on `output_item.done`, and the openai
 * SDK's stream helper needs `added`/`content_part.added`/
 * `reasoning_summary_part.added` before deltas: this class is where both rules
 * live, so decoders only say what happened.
 */
export class ResponseBuilder {
  readonly responseId: string
  private sequence = 0
  private readonly output: (OutputItem | undefined)[] = []
  private readonly open = new Set<OpenItem>()
  private readonly ids: IdGenerator
  private readonly createdAt: number
  private started = false
  private finished = false
  /** Set once the terminal event is out: nothing may follow it. */
  private ended = false
  private held = 0
  private readonly limit: number

  constructor(
    private readonly emit: (event: ResponsesEvent) => void,
    private readonly options: BuilderOptions,
  ) {
    this.ids = options.ids ?? randomIds
    this.responseId = this.ids('resp')
    this.createdAt = Math.floor((options.now ?? Date.now)() / 1000)
    this.limit = options.maxAnswerBytes ?? maxAnswerBytes()
  }

  /**
   * Counts `size` more characters held for this answer (by the builder, or by
   * a decoder's own buffers). Past the cap the answer fails with
   * `max_answer_bytes_exceeded`; returns false then, and forever after.
   */
  charge(size: number): boolean {
    if (this.finished) return false
    this.held += size
    if (this.held <= this.limit) return true
    this.fail(answerTooLarge(this.limit))
    return false
  }

  get isFinished(): boolean {
    return this.finished
  }

  get hasOutput(): boolean {
    return this.output.length > 0
  }

  /** Items still streaming, in output order. */
  get openItems(): OpenItem[] {
    return [...this.open].sort((a, b) => a.index - b.index)
  }

  start(): void {
    if (this.started) return
    this.started = true
    const response = this.snapshot('in_progress')
    this.push({ type: 'response.created', response })
    this.push({ type: 'response.in_progress', response })
  }

  openMessage(options: { refusal?: boolean } = {}): OpenMessage {
    const item: MessageItem = { type: 'message', id: this.ids('msg'), role: 'assistant', status: 'in_progress', content: [] }
    const refusal = options.refusal === true
    const handle = this.register<OpenMessage>({ kind: 'message', item, text: '', refusal })
    this.push({ type: 'response.content_part.added', ...this.ref(handle), content_index: 0, part: refusal ? { type: 'refusal', refusal: '' } : { type: 'output_text', text: '', annotations: [] } })
    return handle
  }

  messageDelta(handle: OpenMessage, delta: string): void {
    if (!delta || !this.charge(delta.length)) return
    handle.text += delta
    // Deltas are most of a stream's events: their references are written out, not spread from ref().
    if (handle.refusal) this.push({ type: 'response.refusal.delta', item_id: handle.item.id ?? '', output_index: handle.index, content_index: 0, delta })
    else this.push({ type: 'response.output_text.delta', item_id: handle.item.id ?? '', output_index: handle.index, content_index: 0, delta, logprobs: [] })
  }

  /** A source the message's text cites, as the answer gives it; the finished part carries them all. */
  annotate(handle: OpenMessage, annotation: UrlCitation): void {
    // Counted against the answer cap like text: an upstream could send citations without end.
    if (handle.refusal || !this.open.has(handle) || !this.charge(annotation.url.length + annotation.title.length + 64)) return
    const annotations = (handle.annotations ??= [])
    this.push({ type: 'response.output_text.annotation.added', ...this.ref(handle), content_index: 0, annotation_index: annotations.length, annotation })
    annotations.push(annotation)
  }

  openReasoning(): OpenReasoning {
    const item: ReasoningItem = { type: 'reasoning', id: this.ids('rs'), summary: [] }
    const handle = this.register<OpenReasoning>({ kind: 'reasoning', item, text: '' })
    this.push({ type: 'response.reasoning_summary_part.added', ...this.ref(handle), summary_index: 0, part: { type: 'summary_text', text: '' } })
    return handle
  }

  reasoningDelta(handle: OpenReasoning, delta: string): void {
    if (!delta || !this.charge(delta.length)) return
    handle.text += delta
    this.push({ type: 'response.reasoning_summary_text.delta', item_id: handle.item.id ?? '', output_index: handle.index, summary_index: 0, delta })
  }

  /** An opaque blob the upstream needs back on the next turn (e.g. an Anthropic signature). */
  setReasoningEncryptedContent(handle: OpenReasoning, value: string): void {
    if (!this.charge(value.length)) return
    handle.item.encrypted_content = value
  }

  openFunctionCall(call: { callId: string; name: string; namespace?: string }): OpenFunctionCall {
    const item: FunctionCallItem = { type: 'function_call', id: this.ids('fc'), call_id: call.callId, name: call.name, arguments: '', status: 'in_progress' }
    if (call.namespace) item.namespace = call.namespace
    return this.register<OpenFunctionCall>({ kind: 'function_call', item })
  }

  argumentsDelta(handle: OpenFunctionCall, delta: string): void {
    if (!delta || !this.charge(delta.length)) return
    handle.item.arguments += delta
    this.push({ type: 'response.function_call_arguments.delta', item_id: handle.item.id ?? '', output_index: handle.index, delta })
  }

  openCustomToolCall(call: { callId: string; name: string }): OpenCustomToolCall {
    const item: CustomToolCallItem = { type: 'custom_tool_call', id: this.ids('ctc'), call_id: call.callId, name: call.name, input: '', status: 'in_progress' }
    return this.register<OpenCustomToolCall>({ kind: 'custom_tool_call', item })
  }

  customInputDelta(handle: OpenCustomToolCall, delta: string): void {
    if (!delta || !this.charge(delta.length)) return
    handle.item.input += delta
    this.push({ type: 'response.custom_tool_call_input.delta', item_id: handle.item.id ?? '', output_index: handle.index, delta })
  }

  close(handle: OpenItem): void {
    if (!this.open.delete(handle)) return
    const ref = this.ref(handle)
    let done: OutputItem
    switch (handle.kind) {
      case 'message': {
        if (handle.refusal) {
          const part = { type: 'refusal' as const, refusal: handle.text }
          this.push({ type: 'response.refusal.done', ...ref, content_index: 0, refusal: handle.text })
          this.push({ type: 'response.content_part.done', ...ref, content_index: 0, part })
          done = { ...handle.item, status: 'completed', content: [part] }
          break
        }
        const part = { type: 'output_text' as const, text: handle.text, annotations: handle.annotations ?? [] }
        this.push({ type: 'response.output_text.done', ...ref, content_index: 0, text: handle.text, logprobs: [] })
        this.push({ type: 'response.content_part.done', ...ref, content_index: 0, part })
        done = { ...handle.item, status: 'completed', content: [part] }
        break
      }
      case 'reasoning': {
        const part = { type: 'summary_text' as const, text: handle.text }
        this.push({ type: 'response.reasoning_summary_text.done', ...ref, summary_index: 0, text: handle.text })
        this.push({ type: 'response.reasoning_summary_part.done', ...ref, summary_index: 0, part })
        done = { ...handle.item, summary: handle.text ? [part] : [] }
        break
      }
      case 'function_call':
        this.push({ type: 'response.function_call_arguments.done', ...ref, arguments: handle.item.arguments })
        done = { ...handle.item, status: 'completed' }
        break
      case 'custom_tool_call':
        this.push({ type: 'response.custom_tool_call_input.done', ...ref, input: handle.item.input })
        done = { ...handle.item, status: 'completed' }
        break
      default: {
        const never: never = handle
        throw new Error(`unknown item kind ${JSON.stringify(never)}`)
      }
    }
    this.output[handle.index] = done
    this.push({ type: 'response.output_item.done', output_index: handle.index, item: done })
  }

  closeAll(): void {
    for (const handle of this.openItems) this.close(handle)
  }

  /** A whole item at once (compaction, web_search_call…): `added` then `done`. */
  addCompleteItem(item: OutputItem): void {
    const index = this.output.length
    this.output.push(item)
    this.push({ type: 'response.output_item.added', output_index: index, item })
    this.push({ type: 'response.output_item.done', output_index: index, item })
  }

  complete(usage?: Usage): void {
    this.finish('response.completed', 'completed', { usage: usage ?? null })
  }

  incomplete(reason: string, usage?: Usage): void {
    this.finish('response.incomplete', 'incomplete', { usage: usage ?? null, incomplete_details: { reason } })
  }

  /** Codex reads `response.error.code` to decide between retry and a fatal message (§d.4). */
  fail(error: ResponseError, usage?: Usage): void {
    this.finish('response.failed', 'failed', { usage: usage ?? null, error })
  }

  private finish(type: 'response.completed' | 'response.incomplete' | 'response.failed', status: ResponseObject['status'], extra: Partial<ResponseObject>): void {
    if (this.finished) return
    this.start()
    // Only completed responses commit half-streamed items; a failed one drops them.
    if (type === 'response.failed') this.open.clear()
    else this.closeAll()
    this.finished = true
    this.push({ type, response: { ...this.snapshot(status), ...extra } })
    this.ended = true
  }

  private snapshot(status: ResponseObject['status']): ResponseObject {
    return {
      id: this.responseId,
      object: 'response',
      created_at: this.createdAt,
      status,
      model: this.options.model,
      output: this.output.filter((item): item is OutputItem => item !== undefined),
      usage: null,
      error: null,
      incomplete_details: null,
    }
  }

  private register<T extends OpenItem>(handle: Omit<T, 'index'>): T {
    this.start()
    const registered = { ...handle, index: this.output.length } as T
    this.output.push(undefined) // reserved until the item is done
    this.open.add(registered)
    this.push({ type: 'response.output_item.added', output_index: registered.index, item: { ...registered.item } })
    return registered
  }

  private ref(handle: OpenItem): { item_id: string; output_index: number } {
    return { item_id: handle.item.id ?? '', output_index: handle.index }
  }

  private push(event: EventDraft): void {
    // A decoder may still call in after a failure mid-chunk (the cap, say); the client already has its terminal event.
    if (this.ended) return
    // Every draft is a fresh literal: numbered in place, the number last, as a copy would put it.
    ;(event as { sequence_number?: number }).sequence_number = this.sequence++
    this.emit(event as ResponsesEvent)
  }
}
