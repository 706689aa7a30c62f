import { isRelayedEvent, type CustomToolCallItem, type OutputItem, type ResponseObject, type ResponsesEvent, type Usage } from '../../canonical/types.ts'
import type { ShimError } from '../../errors.ts'
import { formatSse } from '../../sse/encode.ts'
import type { SseMessage } from '../../sse/parse.ts'
import type { PassthroughDialect } from '../../sse/watch.ts'
import { responsesFailure } from '../responses/errors.ts'
import type { ChatCompletion, ChatCustomToolCall, ChatToolCall, ChatUsage } from './api.ts'
import { chatCitation, type ChatCitation } from './citations.ts'
import { completionAsChunks } from './response.ts'

export interface ChatEncodeOptions {
  /** The model name the client asked for. */
  model: string
  includeUsage: boolean
  id: string
  created: number
}

export function toChatUsage(usage: Usage | null | undefined): ChatUsage | undefined {
  if (!usage) return undefined
  return {
    prompt_tokens: usage.input_tokens,
    completion_tokens: usage.output_tokens,
    total_tokens: usage.total_tokens,
    prompt_tokens_details: { cached_tokens: usage.input_tokens_details?.cached_tokens ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.output_tokens_details?.reasoning_tokens ?? 0 },
  }
}

function finishReason(response: ResponseObject, sawCalls: boolean): string {
  if (response.status === 'incomplete') return response.incomplete_details?.reason === 'content_filter' ? 'content_filter' : 'length'
  return sawCalls ? 'tool_calls' : 'stop'
}

/** How a chat stream ends in failure: an `{"error":…}` chunk, which OpenAI SDKs raise, then `[DONE]`. */
export function chatStreamFailure(failure: { code: string; message: string }): SseMessage[] {
  return [{ data: JSON.stringify({ error: { message: failure.message, type: 'server_error', code: failure.code } }) }, { data: '[DONE]' }]
}

/** The chat fast path's view of the upstream: `[DONE]`, a finish_reason or the upstream's own error chunk ends the answer. */
export const CHAT_PASSTHROUGH: PassthroughDialect = {
  terminals: ['data: [DONE]', '"finish_reason":"', '"finish_reason": "', 'data: {"error":', 'data: {"error" :'],
  failure: (error: ShimError) => chatStreamFailure(responsesFailure(error)).map(formatSse).join(''),
  // OpenAI sends usage in a last chunk (with `stream_options.include_usage`).
  usage: (chunk, previous) => (chunk.usage && typeof chunk.usage === 'object' ? chunk.usage : previous),
  // A client gets the usage chunk only when it asked for one (stream_options.include_usage), as from OpenAI.
  answerAsStream: (answer, request) => (Array.isArray(answer.choices) ? completionAsChunks(answer, { usage: !request || request.stream_options?.include_usage === true }).map(formatSse).join('') : null),
}

/** A function call's name as a chat client knows it (namespaced tools only come from Responses upstreams). */
function callName(item: { name: string; namespace?: string }): string {
  return item.namespace ? `${item.namespace}__${item.name}` : item.name
}

/** A call item's arguments so far ('' on an added item that has none yet). */
const argumentsOf = (item: OutputItem): string => {
  const value = (item as { arguments?: unknown }).arguments
  return typeof value === 'string' ? value : ''
}

/** The same encoder as a function (event → SSE messages), for the fused single-stage path. */
export function createChatChunkEncoder(options: ChatEncodeOptions): (event: ResponsesEvent) => SseMessage[] {
  const base = { id: options.id, object: 'chat.completion.chunk', created: options.created, model: options.model }
  const callIndex = new Map<number, number>() // output_index → tool_calls index
  const sentArguments = new Map<number, string>() // output_index → the arguments a client has of that call
  // Chat has one content string: a citation's range moves by the text of the messages before its own.
  const textStart = new Map<number, number>() // output_index → offset in content
  let contentLength = 0
  // The answer's citations, sent together in one delta before it ends, as OpenAI does: a delta's
  // `annotations` replace the ones before (the openai SDK's stream helper keeps only the last).
  const citations: ChatCitation[] = []
  let sentRole = false
  const chunk = (delta: Record<string, unknown>, finish: string | null = null): SseMessage => ({ data: JSON.stringify({ ...base, choices: [{ index: 0, delta, finish_reason: finish }] }) })
  let out: SseMessage[] = []

  const withRole = (delta: Record<string, unknown>) => {
    if (!sentRole) {
      sentRole = true
      out.push(chunk({ role: 'assistant', content: '', ...delta }))
    } else out.push(chunk(delta))
  }
  const sendCitations = () => {
    if (citations.length) withRole({ annotations: citations.splice(0) })
  }
  const openCall = (outputIndex: number, item: OutputItem, args: string) => {
    const index = callIndex.size
    callIndex.set(outputIndex, index)
    const call = item as { call_id: string; name: string; namespace?: string }
    sentArguments.set(outputIndex, args)
    withRole({ tool_calls: [{ index, id: call.call_id, type: 'function', function: { name: callName(call), arguments: args } }] })
  }
  // A custom (freeform) tool's call, as OpenAI's Chat Completions streams it (openai-python#2530:
  // the chunk types name only functions): `type: 'custom'` with `custom: {name, input}`. Canonical
  // custom calls arrive whole, so the input goes in the call's one chunk.
  const openCustomCall = (outputIndex: number, item: CustomToolCallItem) => {
    const index = callIndex.size
    callIndex.set(outputIndex, index)
    withRole({ tool_calls: [{ index, id: item.call_id, type: 'custom', custom: { name: item.name, input: item.input } }] })
  }
  const sendArguments = (outputIndex: number, delta: string) => {
    const index = callIndex.get(outputIndex)
    if (index === undefined || !delta) return
    sentArguments.set(outputIndex, (sentArguments.get(outputIndex) ?? '') + delta)
    withRole({ tool_calls: [{ index, function: { arguments: delta } }] })
  }
  // The ChatGPT backend (and other Responses upstreams) may send a call's arguments only whole, in
  // function_call_arguments.done or output_item.done, with no delta: what no delta carried goes
  // out before the call ends. Deltas that disagree with the whole cannot be taken back; the
  // arguments sent stand then, as they would for any client reading the deltas.
  const completeArguments = (outputIndex: number, whole: unknown) => {
    const sent = sentArguments.get(outputIndex)
    if (sent === undefined || typeof whole !== 'string' || !whole.startsWith(sent)) return
    sendArguments(outputIndex, whole.slice(sent.length))
  }

  const handle = (event: ResponsesEvent): void => {
    if (isRelayedEvent(event)) return // hosted tools' progress: nothing a chat client can show
    switch (event.type) {
      case 'response.output_text.delta':
        contentLength += event.delta.length
        return withRole({ content: event.delta })
      case 'response.output_text.annotation.added': {
        const citation = chatCitation(event.annotation, textStart.get(event.output_index) ?? 0)
        if (citation) citations.push(citation)
        return
      }
      // A model's refusal is its own field in Chat Completions, as OpenAI streams it.
      case 'response.refusal.delta':
        return withRole({ refusal: event.delta })
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        return withRole({ reasoning_content: event.delta })
      case 'response.output_item.added':
        // Arguments already on the added item go out with the call's first chunk.
        if (event.item?.type === 'function_call') openCall(event.output_index, event.item, argumentsOf(event.item))
        else if (event.item?.type === 'message') textStart.set(event.output_index, contentLength)
        return
      case 'response.function_call_arguments.delta':
        return sendArguments(event.output_index, event.delta)
      case 'response.function_call_arguments.done':
        return completeArguments(event.output_index, event.arguments)
      case 'response.output_item.done':
        if (event.item?.type === 'custom_tool_call' && !callIndex.has(event.output_index)) openCustomCall(event.output_index, event.item as CustomToolCallItem)
        else if (event.item?.type === 'function_call') {
          // A call that was never announced arrives whole here.
          if (!callIndex.has(event.output_index)) openCall(event.output_index, event.item, argumentsOf(event.item))
          else completeArguments(event.output_index, argumentsOf(event.item))
        }
        return
      case 'response.completed':
      case 'response.incomplete': {
        const response = event.response
        sendCitations()
        if (!sentRole) withRole({})
        out.push(chunk({}, finishReason(response, callIndex.size > 0)))
        if (options.includeUsage) out.push({ data: JSON.stringify({ ...base, choices: [], usage: toChatUsage(response.usage) ?? null }) })
        out.push({ data: '[DONE]' })
        return
      }
      case 'response.failed': {
        const error = event.response.error
        sendCitations() // what was cited of the text a client already has
        out.push(...chatStreamFailure({ code: error?.code ?? 'server_error', message: error?.message ?? 'The upstream failed.' }))
        return
      }
      // Said by the deltas above, or nothing a chat stream carries.
      case 'response.created':
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
      default: {
        const unhandled: never = event
        return unhandled
      }
    }
  }
  return (event) => {
    out = []
    handle(event)
    return out
  }
}

/** The aggregated canonical response → one `chat.completion` object. */
export function responseToChatCompletion(response: ResponseObject, options: { model: string; id: string; created: number }): ChatCompletion & Record<string, unknown> {
  let content = ''
  let refusal = ''
  let reasoning = ''
  const toolCalls: (ChatToolCall | ChatCustomToolCall)[] = []
  const annotations: ChatCitation[] = []
  for (const item of response.output) {
    if (item.type === 'message') {
      const parts = (item as { content: { type: string; text?: string; refusal?: string; annotations?: unknown[] }[] }).content
      for (const part of parts) {
        if (part.type === 'refusal') refusal += part.refusal ?? ''
        else {
          for (const annotation of Array.isArray(part.annotations) ? part.annotations : []) {
            const citation = chatCitation(annotation, content.length)
            if (citation) annotations.push(citation)
          }
          content += part.text ?? ''
        }
      }
    } else if (item.type === 'reasoning') {
      reasoning += ((item as { summary?: { text: string }[] }).summary ?? []).map((part) => part.text).join('')
    } else if (item.type === 'function_call') {
      const call = item as { call_id: string; name: string; namespace?: string; arguments: string }
      toolCalls.push({ id: call.call_id, type: 'function', function: { name: callName(call), arguments: call.arguments } })
    } else if (item.type === 'custom_tool_call') {
      const call = item as { call_id: string; name: string; input: string }
      // OpenAI's shape for a custom (freeform) tool's call: ChatCompletionMessageCustomToolCall.
      toolCalls.push({ id: call.call_id, type: 'custom', custom: { name: call.name, input: call.input } })
    }
  }
  return {
    id: options.id,
    object: 'chat.completion',
    created: options.created,
    model: options.model,
    choices: [{
      index: 0,
      message: { role: 'assistant', content: content || (toolCalls.length || refusal ? null : ''), ...(refusal && { refusal }), ...(reasoning && { reasoning_content: reasoning }), ...(toolCalls.length && { tool_calls: toolCalls }), ...(annotations.length && { annotations }) },
      finish_reason: finishReason(response, toolCalls.length > 0),
    }],
    usage: toChatUsage(response.usage) ?? null,
  }
}
