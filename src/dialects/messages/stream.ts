import { ResponseBuilder, type IdGenerator, type OpenItem } from '../../canonical/builder.ts'
import type { EventDecoder } from '../../canonical/decode.ts'
import type { ToolPlan } from '../../canonical/flatten-tools.ts'
import type { ResponsesEvent, Usage } from '../../canonical/types.ts'
import type { ShimError } from '../../errors.ts'
import { parseJson, type SseMessage } from '../../sse/parse.ts'
import { CustomInputExtractor } from '../../canonical/custom-input.ts'
import { responsesFailure } from '../responses/errors.ts'
import type { MessagesStreamEvent, MessagesUsage } from './api.ts'
import { messagesErrorCode } from './errors.ts'
import { forcesStructuredOutputTool } from './request.ts'
import { encodeThinking } from './thinking-signature.ts'
import { fromMessagesToolId } from './tool-id.ts'

export interface MessagesStreamOptions {
  /** The slug the client asked for. */
  model: string
  tools: ToolPlan
  /** The tool standing in for `text.format`: its input becomes message text. */
  structuredOutputTool?: string
  /** As the request decided it (`MessagesTranslation`); else judged from the tools offered. */
  structuredOutputForced?: boolean
  ids?: IdGenerator
  now?: () => number
}

/** Anthropic usage → Responses usage: input counts cache reads and writes too, as OpenAI's does. */
export function mapMessagesUsage(usage: MessagesUsage): Usage {
  const read = usage.cache_read_input_tokens ?? 0
  const write = usage.cache_creation_input_tokens ?? 0
  const input = (usage.input_tokens ?? 0) + read + write
  const output = usage.output_tokens ?? 0
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: read, cache_write_tokens: write },
    output_tokens: output,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: input + output,
  }
}

type Block =
  | { kind: 'text'; handle: Extract<OpenItem, { kind: 'message' }> }
  | { kind: 'thinking'; handle: Extract<OpenItem, { kind: 'reasoning' }>; signature: string }
  | { kind: 'tool'; handle: Extract<OpenItem, { kind: 'function_call' }>; sawJson: boolean; initial: unknown }
  | { kind: 'custom'; handle: Extract<OpenItem, { kind: 'custom_tool_call' }>; input: CustomInputExtractor; sawJson: boolean; initial: unknown }
  | { kind: 'structured'; handle: Extract<OpenItem, { kind: 'message' }> }
  | { kind: 'held' }
  | { kind: 'ignored' }

const HELD: Block = { kind: 'held' }

/**
 * Anthropic Messages events → Responses events. Text blocks become message
 * items, thinking blocks reasoning items whose `encrypted_content` keeps the
 * signature (so the next turn can send the block back), tool_use blocks
 * function or custom tool calls. `error` events, even right after a 200, and
 * streams that end without `message_stop` become `response.failed`.
 */
export function createMessagesDecoder(emit: (event: ResponsesEvent) => void, options: MessagesStreamOptions): EventDecoder<SseMessage> {
  const builder = new ResponseBuilder(emit, { model: options.model, ids: options.ids, now: options.now })
  const blocks = new Map<number, Block>()
  let usage: MessagesUsage = {}
  let stopReason: string | null = null
  // Consecutive text blocks (split by citations or a server tool) read as one message.
  let lastText: Extract<Block, { kind: 'text' }> | null = null
  // With `text.format` json_schema the answer is the structured tool's JSON, and the openai SDK's
  // responses.parse() JSON-parses every output_text: prose in the same answer must not be one. It
  // is not the answer the schema asked for, but it is what the model said (a caveat, a plan), so
  // it is kept as a reasoning summary rather than dropped. Whether the tool follows is known only
  // when the next block starts, and a delta once sent cannot be taken back, so prose is held until
  // then: only while the tool is unforced (other tools offered; forced, Claude writes nothing
  // first), or once it has answered. Any other answer streams its text as it comes.
  const holdsProse = options.structuredOutputTool !== undefined && !(options.structuredOutputForced ?? forcesStructuredOutputTool(options.tools))
  let structuredAnswered = false
  let held = ''

  function start(index: number, block: { type: string; [key: string]: unknown }): void {
    switch (block.type) {
      case 'text': {
        if (holdsProse || structuredAnswered) {
          blocks.set(index, HELD)
          if (typeof block.text === 'string') hold(block.text)
          return
        }
        if (lastText) {
          blocks.set(index, lastText)
        } else {
          lastText = { kind: 'text', handle: builder.openMessage() }
          blocks.set(index, lastText)
        }
        if (typeof block.text === 'string') builder.messageDelta(lastText.handle, block.text)
        return
      }
      case 'thinking':
        closeText()
        blocks.set(index, { kind: 'thinking', handle: builder.openReasoning(), signature: typeof block.signature === 'string' ? block.signature : '' })
        if (typeof block.thinking === 'string' && block.thinking) builder.reasoningDelta((blocks.get(index) as Extract<Block, { kind: 'thinking' }>).handle, block.thinking)
        return
      case 'redacted_thinking': {
        closeText()
        const handle = builder.openReasoning()
        builder.setReasoningEncryptedContent(handle, encodeThinking({ type: 'redacted_thinking', data: String(block.data ?? '') }))
        builder.close(handle)
        blocks.set(index, { kind: 'ignored' })
        return
      }
      case 'tool_use': {
        const name = String(block.name ?? '')
        if (options.structuredOutputTool && name === options.structuredOutputTool) {
          structuredAnswered = true
          closeText()
          blocks.set(index, { kind: 'structured', handle: builder.openMessage() })
          return
        }
        closeText()
        // Our own mark read back (an upstream that is another codex-shim); Anthropic's toolu_ ids pass as they are.
        const callId = fromMessagesToolId(String(block.id ?? ''))
        const origin = options.tools.byFlatName.get(name)?.origin
        if (origin?.kind === 'custom') {
          blocks.set(index, { kind: 'custom', handle: builder.openCustomToolCall({ callId, name: origin.name }), input: new CustomInputExtractor(), sawJson: false, initial: block.input })
          return
        }
        const handle = builder.openFunctionCall({ callId, name: origin?.name ?? name, namespace: origin?.kind === 'function' ? origin.namespace : undefined })
        blocks.set(index, { kind: 'tool', handle, sawJson: false, initial: block.input })
        return
      }
      default:
        // server_tool_use, web_search_tool_result and future block types have no Codex item.
        blocks.set(index, { kind: 'ignored' })
    }
  }

  function delta(index: number, value: { type: string; text?: string; thinking?: string; signature?: string; partial_json?: string }): void {
    const block = blocks.get(index)
    if (!block) return
    if (block.kind === 'text' && value.type === 'text_delta' && value.text) builder.messageDelta(block.handle, value.text)
    else if (block.kind === 'held' && value.type === 'text_delta' && value.text) hold(value.text)
    else if (block.kind === 'thinking' && value.type === 'thinking_delta' && value.thinking) builder.reasoningDelta(block.handle, value.thinking)
    else if (block.kind === 'thinking' && value.type === 'signature_delta' && value.signature) block.signature += value.signature
    else if (block.kind === 'tool' && value.type === 'input_json_delta' && value.partial_json) {
      block.sawJson = true
      builder.argumentsDelta(block.handle, value.partial_json)
    } else if (block.kind === 'custom' && value.type === 'input_json_delta' && value.partial_json) {
      block.sawJson = true
      customInput(block, value.partial_json)
    } else if (block.kind === 'structured' && value.type === 'input_json_delta' && value.partial_json) {
      builder.messageDelta(block.handle, value.partial_json)
    }
  }

  /** Freeform input is JSON-wrapped upstream; its string value streams out as it decodes. */
  function customInput(block: Extract<Block, { kind: 'custom' }>, json: string): void {
    const before = block.input.bufferedLength
    const decoded = block.input.push(json)
    if (block.input.bufferedLength > before && !builder.charge(block.input.bufferedLength - before)) return
    builder.customInputDelta(block.handle, decoded)
  }

  /** Some Anthropic-compatible servers put the whole input in content_block_start. */
  function initialJson(initial: unknown): string {
    return initial && typeof initial === 'object' && Object.keys(initial).length ? JSON.stringify(initial) : ''
  }

  function stop(index: number): void {
    const block = blocks.get(index)
    if (!block) return
    if (block.kind === 'thinking') {
      builder.setReasoningEncryptedContent(block.handle, encodeThinking({ type: 'thinking', thinking: block.handle.text, signature: block.signature }))
      builder.close(block.handle)
    } else if (block.kind === 'tool') {
      if (!block.sawJson) builder.argumentsDelta(block.handle, initialJson(block.initial) || '{}')
      builder.close(block.handle)
    } else if (block.kind === 'custom') {
      if (!block.sawJson) customInput(block, initialJson(block.initial))
      builder.customInputDelta(block.handle, block.input.finish())
      builder.close(block.handle)
    } else if (block.kind === 'structured') builder.close(block.handle)
    // text blocks stay open until something else starts or the message ends
  }

  /** Counted against the answer cap while held, and again once released (as custom input's buffer is). */
  function hold(text: string): void {
    if (text && builder.charge(text.length)) held += text
  }

  /**
   * Prose held back goes out whole when the next block starts or the message ends: beside the
   * structured answer, as a reasoning summary; otherwise (commentary before another tool's call,
   * an answer that never called the structured tool) as the message it was. Prose released as a
   * message before a later structured call in the same answer (text, a call, then the schema tool)
   * stays one: the client has it by then, and such an answer is a tool round, not a final one.
   */
  function releaseProse(): void {
    if (!held) return
    const text = held
    held = ''
    const handle = structuredAnswered ? builder.openReasoning() : builder.openMessage()
    if (handle.kind === 'reasoning') builder.reasoningDelta(handle, text)
    else builder.messageDelta(handle, text)
    builder.close(handle)
  }

  function closeText(): void {
    if (lastText) builder.close(lastText.handle)
    lastText = null
    releaseProse()
  }

  function finish(): void {
    closeText()
    // Both are the answer cut short: the output cap, or the context window filling up on the way.
    if (stopReason === 'max_tokens' || stopReason === 'model_context_window_exceeded') builder.incomplete('max_output_tokens', mapMessagesUsage(usage))
    else if (stopReason === 'refusal') builder.incomplete('content_filter', mapMessagesUsage(usage))
    else builder.complete(mapMessagesUsage(usage))
  }

  function handle(event: MessagesStreamEvent): void {
    switch (event.type) {
      case 'message_start':
        usage = { ...usage, ...event.message?.usage }
        return
      case 'content_block_start':
        return start(event.index, event.content_block)
      case 'content_block_delta':
        return delta(event.index, event.delta)
      case 'content_block_stop':
        return stop(event.index)
      case 'message_delta':
        if (event.delta?.stop_reason) stopReason = event.delta.stop_reason
        if (event.usage) usage = { ...usage, ...Object.fromEntries(Object.entries(event.usage).filter(([, v]) => v !== null && v !== undefined)) }
        return
      case 'message_stop':
        return finish()
      case 'ping':
        return
      case 'error': {
        const message = event.error?.message ?? 'unknown error'
        return builder.fail({ code: messagesErrorCode(event.error?.type, message), message: `The upstream reported an error mid-stream: ${message}` }, mapMessagesUsage(usage))
      }
      default: {
        // Types Anthropic adds later still arrive here at run time (the parsed value is only cast): skipped.
        const unknown: never = event
        return unknown
      }
    }
  }

  return {
    push(sse) {
      if (builder.isFinished) return
      builder.start()
      const parsed = parseJson(sse.data)
      if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return
      handle(parsed.value as MessagesStreamEvent)
    },
    end() {
      if (builder.isFinished) return
      builder.fail({ code: 'server_error', message: 'The upstream closed the stream before message_stop.' }, mapMessagesUsage(usage))
    },
    fail(error: ShimError) {
      builder.fail(responsesFailure(error), mapMessagesUsage(usage))
    },
  }
}
