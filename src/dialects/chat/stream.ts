import { ResponseBuilder, type IdGenerator } from '../../canonical/builder.ts'
import type { EventDecoder } from '../../canonical/decode.ts'
import { CustomInputExtractor } from '../../canonical/custom-input.ts'
import type { ToolPlan } from '../../canonical/flatten-tools.ts'
import type { ResponsesEvent, Usage } from '../../canonical/types.ts'
import type { ShimError } from '../../errors.ts'
import { parseJson, type SseMessage } from '../../sse/parse.ts'
import { responsesFailure } from '../responses/errors.ts'
import type { ChatAnnotation, ChatChunk, ChatChunkChoice, ChatChunkToolCall } from './api.ts'
import { urlCitation } from './citations.ts'
import { readErrorBody } from '../../canonical/upstream-error.ts'
import { streamErrorCode } from './errors.ts'
import { mapFinishReason } from './finish-reason.ts'
import { encodeThoughtSignature, thoughtSignatureOf } from './thought-signature.ts'
import { chunkUsage, mapChatUsage } from './usage.ts'

export interface ChatStreamOptions {
  /** The slug the client asked for: reported as the response's model. */
  model: string
  /** The upstream model id: Gemini's thought signatures are kept for this model alone. */
  upstreamModel?: string
  tools: ToolPlan
  ids?: IdGenerator
  now?: () => number
}

interface CallState {
  key: number
  id?: string
  name: string
  /** Arguments that arrived before the name (so before the item could open). */
  arguments: string
  handle?: ReturnType<ResponseBuilder['openFunctionCall']> | ReturnType<ResponseBuilder['openCustomToolCall']>
  /** Custom (freeform) calls: the wrapped input, decoded as it streams. */
  input?: CustomInputExtractor
  /** Done before the stream ended: a later call began after its arguments were whole. */
  closed?: boolean
  /** Gemini's thought signature for this call, and whether its reasoning item went out. */
  signature?: string
  signatureSent?: boolean
}

/**
 * A delta's arguments as text. The wire says a JSON string, but llama-server and TGI have sent the
 * object itself (ggml-org/llama.cpp#20198, huggingface/text-generation-inference#2136): its JSON text.
 */
function argumentsText(value: unknown): string {
  if (typeof value === 'string') return value
  return value !== null && typeof value === 'object' ? JSON.stringify(value) : ''
}

/** Arguments no further delta could validly extend: a whole JSON object. */
function isWholeObject(text: string): boolean {
  const trimmed = text.trim()
  if (!trimmed.endsWith('}')) return false
  const parsed = parseJson(trimmed)
  return parsed.ok && typeof parsed.value === 'object' && parsed.value !== null
}

/**
 * Chat Completions chunks → Responses events. Handles what real upstreams do:
 * tool-call arguments split over many chunks, several calls interleaved by
 * `index`, providers that omit the index or reuse index 0 with a new id,
 * reasoning in `reasoning_content` or `reasoning`, usage in a trailing chunk
 * with no choices or on the finishing choice (Moonshot), and `{"error":…}`
 * chunks after a 200.
 */
export function createChatDecoder(emit: (event: ResponsesEvent) => void, options: ChatStreamOptions): EventDecoder<SseMessage> {
  const builder = new ResponseBuilder(emit, { model: options.model, ids: options.ids, now: options.now })
  const ids = options.ids ?? ((prefix: string) => `${prefix}_${crypto.randomUUID().replaceAll('-', '')}`)
  let message: ReturnType<ResponseBuilder['openMessage']> | null = null
  let reasoning: ReturnType<ResponseBuilder['openReasoning']> | null = null
  const calls: CallState[] = []
  // Lookups by id and by index stay O(1): a stream may carry 100k calls.
  const callsById = new Map<string, CallState>()
  const lastCallByKey = new Map<number, CallState>()
  let lastCall: CallState | null = null
  let finishReason: string | null = null
  let usage: Usage | undefined
  let sawDone = false
  // Chat cites ranges of the whole content; each canonical message's text starts at its own 0.
  let contentLength = 0
  let messageStart = 0

  const closeText = () => {
    if (reasoning) builder.close(reasoning)
    if (message) builder.close(message)
    reasoning = message = null
  }

  function onReasoning(delta: string): void {
    if (message) {
      builder.close(message)
      message = null
    }
    reasoning ??= builder.openReasoning()
    builder.reasoningDelta(reasoning, delta)
  }

  /** Answer text, or (`refusal`) what the model said instead of answering: each its own message, as OpenAI's are. */
  function onText(delta: string, refusal = false): void {
    if (reasoning) {
      builder.close(reasoning)
      reasoning = null
    }
    if (message && message.refusal !== refusal) {
      builder.close(message)
      message = null
    }
    if (!message) {
      message = builder.openMessage({ refusal })
      messageStart = contentLength
    }
    builder.messageDelta(message, delta)
    if (!refusal) contentLength += delta.length
  }

  /** The url_citations a chunk carries (OpenAI's search models, OpenRouter's web plugin), on the text they cite. */
  function onAnnotations(annotations: unknown[]): void {
    for (const annotation of annotations as ChatAnnotation[]) {
      if (!urlCitation(annotation, 0)) continue
      if (message?.refusal) {
        builder.close(message)
        message = null
      }
      if (!message) {
        message = builder.openMessage()
        messageStart = contentLength
      }
      builder.annotate(message, urlCitation(annotation, messageStart)!)
    }
  }

  function setId(call: CallState, id: string): void {
    call.id = id
    if (!callsById.has(id)) callsById.set(id, call) // the first call with an id keeps it, as a scan in order would find
  }

  function findCall(piece: ChatChunkToolCall): CallState {
    if (piece.id) {
      const byId = callsById.get(piece.id)
      if (byId) return byId
    }
    const index = piece.index
    // A call begins with its function's name. A fragment without one continues a call even when the
    // upstream labels it anew: Poolside sends a second id on a call's later fragments
    // (poolsideai/pool#9), Nebius and Cerebras a new index with no id (dirac-run/dirac#215).
    const begins = Boolean(piece.function?.name)
    if (index !== undefined) {
      const byIndex = lastCallByKey.get(index)
      // Same index with a new id and a name: the provider numbers every call 0 (Gemini does).
      if (byIndex && !(begins && piece.id && byIndex.id && byIndex.id !== piece.id)) return byIndex
      if (!byIndex && !begins && !piece.id && lastCall && !lastCall.closed) return lastCall
    } else if (!piece.id && lastCall) return lastCall
    if (lastCall) settle(lastCall)
    const call: CallState = { key: index ?? calls.length, name: '', arguments: '' }
    calls.push(call)
    lastCallByKey.set(call.key, call)
    return call
  }

  /**
   * A new call began: the previous one is done if its arguments are a whole object, as when OpenAI
   * streams parallel calls one after another, so each item ends before the next starts and later
   * calls stream live. An upstream that interleaves deltas between indexes leaves the earlier
   * arguments partial: that call stays open until the end (clients that need one block at a time
   * hold the later items back, e.g. the Messages encoder).
   */
  function settle(call: CallState): void {
    const handle = call.handle
    if (call.closed || handle?.kind !== 'function_call' || !isWholeObject(handle.item.arguments)) return
    call.closed = true
    builder.close(handle)
  }

  /** The call's Gemini signature, in a reasoning item the client sends back (dialects/chat/thought-signature.ts). */
  function sendSignature(call: CallState): void {
    if (!call.signature || call.signatureSent || !call.id || !builder.charge(call.signature.length)) return
    call.signatureSent = true
    const encrypted = encodeThoughtSignature({ model: options.upstreamModel ?? '', call_id: call.id, signature: call.signature })
    builder.addCompleteItem({ type: 'reasoning', id: ids('rs'), summary: [], encrypted_content: encrypted })
  }

  function openCall(call: CallState): void {
    closeText()
    const callId = call.id ?? ids('call')
    setId(call, callId)
    // Before its call, as the reasoning that led to it would be.
    sendSignature(call)
    const flat = options.tools.byFlatName.get(call.name)
    const origin = flat?.origin
    call.handle =
      origin?.kind === 'custom'
        ? builder.openCustomToolCall({ callId, name: origin.name })
        : builder.openFunctionCall({ callId, name: origin?.name ?? call.name, namespace: origin?.kind === 'function' ? origin.namespace : undefined })
    if (call.handle.kind === 'custom_tool_call') call.input = new CustomInputExtractor()
    const early = call.arguments
    call.arguments = '' // from here on the builder (or the extractor) holds them
    if (early) addArguments(call, early)
  }

  function addArguments(call: CallState, delta: string): void {
    const handle = call.handle!
    if (handle.kind === 'function_call') return builder.argumentsDelta(handle, delta)
    // Custom (freeform) input is JSON-wrapped upstream; its string value streams out as it decodes.
    const input = call.input!
    const before = input.bufferedLength
    const decoded = input.push(delta)
    if (input.bufferedLength > before && !builder.charge(input.bufferedLength - before)) return
    builder.customInputDelta(handle, decoded)
  }

  function onToolCall(piece: ChatChunkToolCall): void {
    const call = findCall(piece)
    lastCall = call
    if (piece.id && !call.id) setId(call, piece.id)
    else if (piece.id && !callsById.has(piece.id)) callsById.set(piece.id, call) // a second id for the same call (Poolside)
    if (piece.function?.name && !call.name) call.name = piece.function.name
    const signature = thoughtSignatureOf(piece)
    if (signature && !call.signature) {
      call.signature = signature
      if (call.handle) sendSignature(call) // it came after the call opened
    }
    const delta = argumentsText(piece.function?.arguments)
    if (call.closed) {
      if (!delta.trim()) return
      // Its arguments were a whole object, so nothing more can be part of them; appending would hand the client broken JSON.
      return builder.fail({ code: 'server_error', message: `The upstream sent more arguments for tool call ${call.id} after they formed a whole JSON object.` }, usage)
    }
    if (call.handle) {
      if (delta) addArguments(call, delta)
      return
    }
    if (delta && !builder.charge(delta.length)) return
    call.arguments += delta
    if (call.name) openCall(call)
  }

  function finishCalls(): void {
    for (const call of calls) {
      if (call.closed) continue
      if (!call.handle) {
        if (!call.name) continue // arguments with no name: nothing Codex could run
        openCall(call)
      }
      const handle = call.handle!
      if (handle.kind === 'function_call') {
        if (!handle.item.arguments.trim()) builder.argumentsDelta(handle, '{}')
      } else if (handle.kind === 'custom_tool_call') {
        builder.customInputDelta(handle, call.input!.finish())
      }
    }
  }

  function onChoice(choice: ChatChunkChoice): void {
    const delta = choice.delta
    if (delta) {
      const thinking = delta.reasoning_content ?? delta.reasoning
      if (typeof thinking === 'string' && thinking) onReasoning(thinking)
      if (typeof delta.content === 'string' && delta.content) onText(delta.content)
      if (typeof delta.refusal === 'string' && delta.refusal) onText(delta.refusal, true)
      if (Array.isArray(delta.annotations)) onAnnotations(delta.annotations)
      for (const piece of delta.tool_calls ?? []) onToolCall(piece)
    }
    if (choice.finish_reason) finishReason = choice.finish_reason
  }

  function finish(): void {
    if (builder.isFinished) return
    const outcome = mapFinishReason(finishReason)
    // An interrupted answer's open items are dropped, not closed: Codex keeps every item that got
    // its output_item.done in the retried turn's history, and would run a half-written call.
    if (outcome.status === 'failed') return builder.fail({ code: outcome.code, message: `The upstream ended the answer with finish_reason "${finishReason}": ${outcome.why}.` }, usage)
    finishCalls()
    closeText()
    switch (outcome.status) {
      case 'completed':
        return builder.complete(usage)
      case 'incomplete':
        return builder.incomplete(outcome.reason, usage)
      default:
        outcome satisfies never
    }
  }

  return {
    push(sse) {
      if (builder.isFinished) return
      builder.start()
      if (sse.data === '[DONE]') {
        sawDone = true
        return finish()
      }
      const parsed = parseJson(sse.data)
      if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return // garbage line: skip
      const chunk = parsed.value as ChatChunk
      if (chunk.error !== undefined) {
        const info = typeof chunk.error === 'string' ? { message: chunk.error } : readErrorBody(JSON.stringify({ error: chunk.error }))
        return builder.fail({ code: streamErrorCode(info), message: `The upstream reported an error mid-stream: ${info.message}` }, usage)
      }
      const chatUsage = chunkUsage(chunk)
      if (chatUsage) usage = mapChatUsage(chatUsage)
      // n > 1 is never requested; only the first choice is ours.
      for (const choice of chunk.choices ?? []) if ((choice.index ?? 0) === 0) onChoice(choice)
    },
    end() {
      if (builder.isFinished) return
      // Providers that skip [DONE] still send a finish_reason; without either the stream broke.
      if (sawDone || finishReason) return finish()
      builder.fail({ code: 'server_error', message: 'The upstream closed the stream before it finished (no finish_reason, no [DONE]).' }, usage)
    },
    fail(error: ShimError) {
      builder.fail(responsesFailure(error), usage)
    },
  }
}
