import { ResponseBuilder, type IdGenerator, type OpenItem } from '../canonical/builder.ts'
import type { EventDecoder } from '../canonical/decode.ts'
import type { ResponsesEvent, Usage } from '../canonical/types.ts'
import { responsesFailure } from '../dialects/responses/errors.ts'
import type { ShimError } from '../errors.ts'
import { parseJson, type SseMessage } from '../sse/parse.ts'
import { classifyCursorFailureText } from './errors.ts'
import { describeToolResult, describeToolStart, readToolCall } from './tool-summary.ts'

export interface CursorDecoderOptions {
  /** The slug the client asked for: reported as the response's model. */
  model: string
  ids?: IdGenerator
  now?: () => number
  /** Called once, with the chat id (`session_id`) of the run: the key for `--resume`. */
  onChatId?: (chatId: string) => void
  /**
   * At end of stream without a `result`: why the process failed (the spawned
   * run's `exitError`, settled by then). Absent or null: a generic crash message.
   */
  exitError?: () => ShimError | null
  /** The prompt sent, only to keep it out of error messages built from cursor-agent's text. */
  prompt?: string
}

export interface CursorDecoder extends EventDecoder<SseMessage> {
  /** The run's chat id, once an event carried it. */
  readonly chatId: string | null
  /** True once a successful `result` ended the stream. */
  readonly succeeded: boolean
}

/** The `stream-json` fields we read; everything else is ignored (spec integrations §1.5). */
interface CursorEvent {
  type?: unknown
  subtype?: unknown
  session_id?: unknown
  timestamp_ms?: unknown
  model_call_id?: unknown
  text?: unknown
  message?: { content?: unknown }
  call_id?: unknown
  tool_call?: unknown
  is_error?: unknown
  result?: unknown
  usage?: unknown
  error?: unknown
}

type OpenMessage = Extract<OpenItem, { kind: 'message' }>
type OpenReasoning = Extract<OpenItem, { kind: 'reasoning' }>

/** cursor-agent's usage → Responses usage. Like Anthropic's, its input excludes cache traffic (as the original maps it). */
export function mapCursorUsage(value: unknown): Usage | undefined {
  if (typeof value !== 'object' || value === null) return undefined
  const usage = value as Record<string, unknown>
  const count = (key: string) => (typeof usage[key] === 'number' && Number.isFinite(usage[key]) ? (usage[key] as number) : 0)
  const read = count('cacheReadTokens')
  const write = count('cacheWriteTokens')
  const input = count('inputTokens') + read + write
  const output = count('outputTokens')
  return { input_tokens: input, input_tokens_details: { cached_tokens: read, cache_write_tokens: write }, output_tokens: output, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: input + output }
}

function messageText(event: CursorEvent): string {
  const content = event.message?.content
  if (typeof content === 'string') return content
  if (!Array.isArray(content)) return ''
  return content.map((part) => (part && typeof part === 'object' && (part as { type?: unknown }).type === 'text' && typeof (part as { text?: unknown }).text === 'string' ? (part as { text: string }).text : '')).join('')
}

/**
 * cursor-agent `stream-json` lines (one NDJSON line per message's `data`) →
 * Responses events. Text follows the delta rules of spec §1.5: an `assistant`
 * event with `timestamp_ms` and no `model_call_id` is new text, appended
 * verbatim (two equal deltas are two pieces of text); any other `assistant`
 * event is a re-send that ends the segment and may only add a missing tail.
 * Thinking and cursor-agent's own tool calls become reasoning summaries.
 */
export function createCursorDecoder(emit: (event: ResponsesEvent) => void, options: CursorDecoderOptions): CursorDecoder {
  const builder = new ResponseBuilder(emit, { model: options.model, ids: options.ids, now: options.now })
  let message: OpenMessage | null = null
  let thinking: OpenReasoning | null = null
  const tools = new Map<string, OpenReasoning>()
  /** All text emitted in this run, and since the last segment boundary. */
  let turnText = ''
  let segmentText = ''
  let usage: Usage | undefined
  let chatId: string | null = null
  let succeeded = false

  function closeThinking(): void {
    if (thinking) builder.close(thinking)
    thinking = null
  }

  function endSegment(): void {
    if (message) builder.close(message)
    message = null
    segmentText = ''
  }

  function appendText(text: string): void {
    if (!text) return
    closeThinking()
    message ??= builder.openMessage()
    builder.messageDelta(message, text)
    turnText += text
    segmentText += text
  }

  /**
   * A re-send says nothing new unless what we emitted is a strict prefix of
   * it: then only the missing tail is new (Open Design's reconciliation). A
   * segment re-send is compared with its segment, the final replay with the
   * whole run (or, when it repeats only the last segment, with that).
   */
  function missingTail(replay: string, kind: 'segment' | 'final'): string {
    if (!replay || turnText.endsWith(replay)) return ''
    const said = kind === 'segment' ? [segmentText] : [turnText, ...(segmentText ? [segmentText] : [])]
    for (const text of said) if (replay.length > text.length && replay.startsWith(text)) return replay.slice(text.length)
    return ''
  }

  function onAssistant(event: CursorEvent): void {
    const text = messageText(event)
    const isDelta = typeof event.timestamp_ms === 'number' && event.model_call_id === undefined
    if (isDelta) return appendText(text)
    appendText(missingTail(text, event.model_call_id === undefined ? 'final' : 'segment'))
    endSegment()
  }

  function onThinking(event: CursorEvent): void {
    if (event.subtype === 'completed') return closeThinking()
    if (typeof event.text !== 'string' || !event.text) return
    endSegment()
    thinking ??= builder.openReasoning()
    builder.reasoningDelta(thinking, event.text)
  }

  function onToolCall(event: CursorEvent): void {
    const id = typeof event.call_id === 'string' ? event.call_id : ''
    const call = readToolCall(event.tool_call)
    endSegment()
    closeThinking()
    if (event.subtype === 'started') {
      const handle = builder.openReasoning()
      builder.reasoningDelta(handle, describeToolStart(call))
      if (tools.has(id)) builder.close(tools.get(id)!)
      tools.set(id, handle)
      return
    }
    if (event.subtype !== 'completed') return
    // Completions come in finishing order; a call whose start we missed still gets its item.
    let handle = tools.get(id)
    if (!handle) {
      handle = builder.openReasoning()
      builder.reasoningDelta(handle, describeToolStart(call))
    }
    tools.delete(id)
    builder.reasoningDelta(handle, describeToolResult(call))
    builder.close(handle)
  }

  /** Calls in flight when the connection dropped or the run ended will report nothing more. */
  function interruptTools(note: string): void {
    for (const handle of tools.values()) {
      builder.reasoningDelta(handle, note)
      builder.close(handle)
    }
    tools.clear()
  }

  function onResult(event: CursorEvent): void {
    usage = mapCursorUsage(event.usage) ?? usage
    if (event.is_error === true || (typeof event.subtype === 'string' && event.subtype !== 'success')) {
      const text = typeof event.result === 'string' && event.result ? event.result : typeof event.error === 'string' ? event.error : 'cursor-agent reported an error'
      return builder.fail(responsesFailure(classifyCursorFailureText(text, { exitCode: 1, model: options.model, prompt: options.prompt })), usage)
    }
    // `result` is the whole answer; deltas reproduce it exactly, so this adds only a lost tail.
    if (typeof event.result === 'string') appendText(missingTail(event.result, 'final'))
    endSegment()
    closeThinking()
    interruptTools('\n_(no result reported)_\n')
    succeeded = true
    builder.complete(usage)
  }

  function onEvent(event: CursorEvent): void {
    if (!chatId && typeof event.session_id === 'string' && event.session_id) {
      chatId = event.session_id
      options.onChatId?.(chatId)
    }
    switch (event.type) {
      case 'assistant':
        return onAssistant(event)
      case 'thinking':
        return onThinking(event)
      case 'tool_call':
        return onToolCall(event)
      case 'result':
        return onResult(event)
      case 'connection':
        if (event.subtype === 'reconnecting') interruptTools('\n_(interrupted: cursor-agent lost its connection)_\n')
        return
      case 'error': {
        const raw = event as { message?: unknown; error?: unknown }
        const nested = typeof raw.error === 'object' && raw.error ? (raw.error as { message?: unknown }).message : undefined
        const text = [raw.message, raw.error, nested].find((value): value is string => typeof value === 'string' && value !== '') ?? 'cursor-agent reported an error'
        return builder.fail(responsesFailure(classifyCursorFailureText(text, { exitCode: 1, model: options.model, prompt: options.prompt })), usage)
      }
      default:
        // `system/init`, the `user` echo and event types added later carry nothing for the client.
        return
    }
  }

  return {
    get chatId() {
      return chatId
    },
    get succeeded() {
      return succeeded
    },
    push(line) {
      if (builder.isFinished) return
      builder.start()
      const parsed = parseJson(line.data)
      if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return // not a stream-json line
      onEvent(parsed.value as CursorEvent)
    },
    end() {
      if (builder.isFinished) return
      const error = options.exitError?.()
      if (error) return builder.fail(responsesFailure(error), usage)
      builder.fail({ code: 'server_error', message: 'cursor-agent stopped before its result event (it crashed or was killed).' }, usage)
    },
    fail(error: ShimError) {
      builder.fail(responsesFailure(error), usage)
    },
  }
}
