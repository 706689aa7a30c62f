import { CUSTOM_INPUT_FIELD, flatNameForCall, type ToolPlan } from '../../canonical/flatten-tools.ts'
import type {
  ContentPart,
  MessageItem,
  ReasoningItem,
  ResponsesItem,
  ResponsesRequest,
  ToolChoice,
  ToolOutput,
} from '../../canonical/types.ts'
import type { ChatContentPart, ChatMessage, ChatRequest, ChatToolCall, ChatToolChoice } from './api.ts'
import { translatedEffort } from '../../canonical/effort.ts'
import { compactionText } from '../../canonical/compaction.ts'
import { foreignItemsAsText } from '../../canonical/foreign-items.ts'
import { imageByFileId } from '../../canonical/unsupported.ts'
import { ShimError } from '../../errors.ts'
import { thoughtSignaturesFor, UNSIGNED_CALL_SIGNATURE } from './thought-signature.ts'

/** What the upstream accepts; decided by the provider from settings, never by model-id checks here. */
export interface ChatRequestOptions {
  /** The upstream model id. */
  model: string
  /** `max_completion_tokens` (OpenAI) or the older `max_tokens` everyone else reads. */
  maxTokensField: 'max_completion_tokens' | 'max_tokens'
  /** Efforts the model accepts; undefined = do not send `reasoning_effort`. */
  reasoningEfforts?: readonly string[]
  /** Effort used when the request names none. */
  defaultReasoningEffort?: string
  /** Send prior reasoning back as `reasoning_content` (DeepSeek needs it within a tool loop). */
  replayReasoning: boolean
  /**
   * Every assistant message carries `reasoning_content`, an empty one where no reasoning is known:
   * DeepSeek's thinking mode refuses a history with an assistant turn without it (a turn another
   * model wrote, before a switch of model or a fallback).
   */
  reasoningOnEveryAssistantTurn?: boolean
  supportsPromptCacheKey: boolean
  supportsVerbosity: boolean
  supportsServiceTier: boolean
  imageSupport: boolean
  /** Output cap when the request has none. */
  maxOutputTokens?: number
  /**
   * How a JSON-schema output format goes upstream: as `json_schema`, or (for upstreams that refuse
   * it, like DeepSeek) as `json_object` with the schema stated in a system instruction. Default json_schema.
   */
  structuredOutput?: StructuredOutput
  /**
   * The upstream checks Gemini's thought signatures (Gemini on Google's endpoints): each step's first
   * call goes with its signature, or Google's documented stand-in when this model did not sign it.
   */
  checksThoughtSignatures?: boolean
}

export type StructuredOutput = 'json_schema' | 'json_object'

const IMAGE_OMITTED = '[image omitted: this model does not accept image input]'

/**
 * Responses request → Chat Completions request. Two steps, as with every
 * dialect: regroup items into chat turns (assistant text + tool calls in one
 * message, tool results right after), then map the leaves.
 */
export function fromCanonical(request: ResponsesRequest, plan: ToolPlan, options: ChatRequestOptions): ChatRequest {
  const messages = toChatMessages(request, plan, options)
  const body: ChatRequest = { model: options.model, messages, stream: true, stream_options: { include_usage: true } }

  if (plan.tools.length) {
    body.tools = plan.tools.map((tool) => ({
      type: 'function',
      // Only strict: true asks anything (false is the default, and not every chat server knows the field).
      function: { name: tool.name, description: tool.description, parameters: tool.parameters, ...(tool.strict === true && { strict: true }) },
    }))
    const choice = toolChoice(request.tool_choice, plan)
    if (choice !== undefined) body.tool_choice = choice
    // Only valid alongside tools; Codex's compaction request sends `tools: []` with it.
    if (typeof request.parallel_tool_calls === 'boolean') body.parallel_tool_calls = request.parallel_tool_calls
  }

  const maxTokens = request.max_output_tokens ?? options.maxOutputTokens
  if (maxTokens) body[options.maxTokensField] = maxTokens
  if (typeof request.temperature === 'number') body.temperature = request.temperature
  if (typeof request.top_p === 'number') body.top_p = request.top_p
  if (request.stop?.length) body.stop = request.stop

  if (options.reasoningEfforts) {
    const effort = translatedEffort(request.reasoning?.effort ?? options.defaultReasoningEffort, options.reasoningEfforts)
    // Off, for a model that has no `none`: no effort sent, rather than its weakest level.
    if (effort && (effort !== 'none' || options.reasoningEfforts.includes('none'))) body.reasoning_effort = effort
  }
  if (options.supportsVerbosity && request.text?.verbosity) body.verbosity = request.text.verbosity
  if (options.supportsPromptCacheKey && request.prompt_cache_key) body.prompt_cache_key = request.prompt_cache_key
  if (options.supportsServiceTier && request.service_tier) body.service_tier = request.service_tier

  const format = request.text?.format
  if (format?.type === 'json_schema' && options.structuredOutput === 'json_object') {
    body.response_format = { type: 'json_object' }
    instruct(messages, schemaInstruction(format))
  } else if (format?.type === 'json_schema') {
    body.response_format = {
      type: 'json_schema',
      json_schema: { name: format.name ?? 'output', schema: format.schema, ...(format.strict !== undefined && { strict: format.strict }), ...(format.description && { description: format.description }) },
    }
  } else if (format?.type === 'json_object') body.response_format = { type: 'json_object' }
  return body
}

/**
 * The schema as words, for an upstream that takes JSON mode but no schema: it then holds the model
 * to valid JSON, and the schema only to what the model reads here. It names JSON, which DeepSeek's
 * JSON mode requires of the prompt.
 */
function schemaInstruction(format: { name?: string; description?: string; schema?: Record<string, unknown> }): string {
  const about = format.description ? ` (${format.description})` : ''
  return `Answer with one JSON object only, no other text and no code fences. It must match this JSON Schema, named "${format.name ?? 'output'}"${about}:\n${JSON.stringify(format.schema ?? {})}`
}

/** Added to the leading system message, or as one: some chat templates refuse a system message later on. */
function instruct(messages: ChatMessage[], text: string): void {
  const first = messages[0]
  if (first?.role === 'system') first.content = first.content ? `${first.content}\n\n${text}` : text
  else messages.unshift({ role: 'system', content: text })
}

function toolChoice(choice: ToolChoice | undefined, plan: ToolPlan): ChatToolChoice | undefined {
  if (choice === undefined || choice === 'auto' || choice === 'none' || choice === 'required') return choice
  if (choice.type === 'function' || choice.type === 'custom') {
    const call = choice as { name: string; namespace?: string }
    return { type: 'function', function: { name: flatNameForCall(plan, call, choice.type === 'custom' ? 'custom' : 'function') } }
  }
  return 'auto' // allowed_tools, hosted-tool choices: nothing equivalent
}

function textOf(content: MessageItem['content']): string {
  if (typeof content === 'string') return content
  return content
    .map((part) => (part.type === 'input_text' || part.type === 'output_text' ? part.text : part.type === 'refusal' ? part.refusal : ''))
    .filter(Boolean)
    .join('\n')
}

function imagePart(part: Extract<ContentPart, { type: 'input_image' }>, options: ChatRequestOptions): ChatContentPart {
  if (!part.image_url && part.file_id) throw imageByFileId()
  if (!options.imageSupport || !part.image_url) return { type: 'text', text: IMAGE_OMITTED }
  // Chat Completions knows auto/low/high; Responses' `original` is closest to high.
  const detail = part.detail === 'original' ? 'high' : part.detail
  return { type: 'image_url', image_url: { url: part.image_url, ...(detail && { detail }) } }
}

function userParts(content: MessageItem['content'] | ToolOutput, options: ChatRequestOptions): ChatContentPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }]
  const parts: ChatContentPart[] = []
  for (const part of content) {
    if (part.type === 'input_text' || part.type === 'output_text') parts.push({ type: 'text', text: part.text })
    else if (part.type === 'input_image') parts.push(imagePart(part, options))
    else if (part.type === 'input_file') parts.push(filePart(part))
    else if (part.type === 'refusal') parts.push({ type: 'text', text: part.refusal })
  }
  return parts
}

/** A file as a chat `file` part: only its data can travel; a URL or an OpenAI file id is refused by name. */
function filePart(part: Extract<ContentPart, { type: 'input_file' }>): ChatContentPart {
  if (part.file_data) return { type: 'file', file: { file_data: part.file_data, ...(part.filename && { filename: part.filename }) } }
  throw new ShimError('bad_request', `Invalid request: input_file: a chat-completions model takes a file as file_data (a data: URL), not ${part.file_url ? 'file_url' : 'a file_id'}. Send the file's content as file_data.`, { param: 'input_file' })
}

/** Plain string content when there is only text: many chat upstreams reject part arrays. */
function compactUserContent(parts: ChatContentPart[]): string | ChatContentPart[] {
  return parts.every((part) => part.type === 'text') ? parts.map((part) => (part as { text: string }).text).join('\n') : parts
}

function reasoningText(item: ReasoningItem): string {
  const content = item.content?.map((part) => part.text).join('') ?? ''
  return content || item.summary?.map((part) => part.text).join('\n') || ''
}

type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>

/**
 * Regrouping rules, from what chat APIs reject:
 * - an assistant message with `tool_calls` must be followed at once by one
 *   `tool` message per call, so a call left unanswered (an interrupted turn)
 *   gets a placeholder answer, and an answer whose call is not the open one
 *   (compacted history) becomes plain user context;
 * - tool messages carry text only, so images from tool results follow them
 *   as a user message;
 * - consecutive system or user messages are merged (Codex sends two
 *   developer messages and two user messages up front).
 */
function toChatMessages(request: ResponsesRequest, plan: ToolPlan, options: ChatRequestOptions): ChatMessage[] {
  const messages: ChatMessage[] = []
  const items: ResponsesItem[] = typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : foreignItemsAsText(request.input ?? [])
  // Calls of the current assistant turn in order; `answered` marks them off without rescanning the list.
  let openCalls: string[] = []
  let calledIds = new Set<string>()
  let answered = new Set<string>()
  let pendingReasoning = ''
  const pendingImages: ChatContentPart[] = []
  const last = () => messages[messages.length - 1]
  // Text of merged system/user messages, joined once at the end: re-joining on every merge is quadratic.
  const mergedText = new Map<ChatMessage, { texts: string[]; separator: string }>()
  const isOpen = (id: string) => calledIds.has(id) && !answered.has(id)
  // Gemini 3 refuses a history whose calls lack the signatures it put on them; others never get one.
  const signatures = thoughtSignaturesFor(items, options.model)

  const endToolTurn = () => {
    for (const id of openCalls) if (!answered.has(id)) messages.push({ role: 'tool', tool_call_id: id, content: 'No output: the call was interrupted.' })
    openCalls = []
    calledIds = new Set()
    answered = new Set()
    if (pendingImages.length) {
      messages.push({ role: 'user', content: [{ type: 'text', text: 'Images returned by the tool calls above:' }, ...pendingImages.splice(0)] })
    }
  }
  const attachReasoning = (message: AssistantMessage) => {
    if (pendingReasoning && options.replayReasoning) message.reasoning_content = (message.reasoning_content ?? '') + pendingReasoning
    pendingReasoning = ''
  }
  /** The assistant message to extend, or a new one. `forCall`: tool calls may join text, not follow tool messages. */
  const assistantTurn = (forCall: boolean): AssistantMessage => {
    const previous = last()
    const extendable = previous?.role === 'assistant' && (forCall || !previous.tool_calls?.length)
    if (extendable) {
      attachReasoning(previous)
      return previous
    }
    endToolTurn()
    const message: AssistantMessage = { role: 'assistant', content: null }
    attachReasoning(message)
    messages.push(message)
    return message
  }
  const addCall = (call: ChatToolCall) => {
    const message = assistantTurn(true)
    // Gemini signs a step's first call only (parallel calls after it carry none).
    const signature = signatures.get(call.id) ?? (options.checksThoughtSignatures && !message.tool_calls?.length ? UNSIGNED_CALL_SIGNATURE : undefined)
    if (signature) call.extra_content = { google: { thought_signature: signature } }
    ;(message.tool_calls ??= []).push(call)
    openCalls.push(call.id)
    calledIds.add(call.id)
  }
  /**
   * Consecutive user messages merge: all-text ones into one string (joined by
   * newlines), and once a non-text part arrives into a part list whose first
   * part is the text so far. Consecutive system messages join by blank lines.
   */
  const addUserOrSystem = (role: 'user' | 'system', parts: ChatContentPart[]) => {
    endToolTurn()
    const previous = last()
    if (role === 'system') {
      const text = parts.map((p) => (p as { text: string }).text).join('\n')
      if (previous?.role === 'system') mergedTextOf(previous, '\n\n').push(text)
      else messages.push({ role: 'system', content: text })
    } else if (previous?.role === 'user') {
      const merged = mergedText.get(previous)
      const allText = parts.every((part) => part.type === 'text')
      if (typeof previous.content === 'string' || merged) {
        if (allText) mergedTextOf(previous, '\n').push(...parts.map((part) => (part as { text: string }).text))
        else {
          previous.content = [{ type: 'text', text: merged ? merged.texts.join(merged.separator) : (previous.content as string) }, ...parts]
          mergedText.delete(previous)
        }
      } else for (const part of parts) previous.content.push(part)
    } else messages.push({ role: 'user', content: compactUserContent(parts) })
  }
  const mergedTextOf = (message: ChatMessage, separator: string): string[] => {
    let merged = mergedText.get(message)
    if (!merged) mergedText.set(message, (merged = { texts: [message.content as string], separator }))
    return merged.texts
  }

  const addResult = (callId: string, output: ToolOutput) => {
    const parts = userParts(output, options)
    const text = parts.filter((p) => p.type === 'text').map((p) => (p as { text: string }).text).join('\n')
    const media = parts.filter((p) => p.type !== 'text')
    if (!isOpen(callId)) {
      addUserOrSystem('user', [{ type: 'text', text: `Output of an earlier tool call (${callId}):\n${text}` }, ...media])
      return
    }
    messages.push({ role: 'tool', tool_call_id: callId, content: text })
    answered.add(callId)
    pendingImages.push(...media)
  }
  if (request.instructions) messages.push({ role: 'system', content: request.instructions })
  for (const item of items) {
    switch (item.type) {
      case 'message': {
        const message = item as MessageItem
        if (message.role === 'assistant') {
          const text = textOf(message.content)
          if (!text) break
          const target = assistantTurn(false)
          target.content = target.content ? `${target.content}\n${text}` : text
        } else if (message.role === 'system' || message.role === 'developer') {
          const text = textOf(message.content)
          if (text) addUserOrSystem('system', [{ type: 'text', text }])
        } else {
          const parts = userParts(message.content, options)
          if (parts.length) addUserOrSystem('user', parts)
        }
        break
      }
      case 'reasoning':
        pendingReasoning += reasoningText(item as ReasoningItem)
        break
      case 'function_call': {
        const call = item as { call_id: string; name: string; namespace?: string; arguments: string }
        addCall({ id: call.call_id, type: 'function', function: { name: flatNameForCall(plan, call, 'function'), arguments: call.arguments || '{}' } })
        break
      }
      case 'custom_tool_call': {
        const call = item as { call_id: string; name: string; input: string }
        addCall({ id: call.call_id, type: 'function', function: { name: flatNameForCall(plan, call, 'custom'), arguments: JSON.stringify({ [CUSTOM_INPUT_FIELD]: call.input }) } })
        break
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const output = item as { call_id: string; output: ToolOutput }
        addResult(output.call_id, output.output)
        break
      }
      case 'compaction': {
        const text = compactionText((item as { encrypted_content?: string }).encrypted_content)
        if (text) addUserOrSystem('user', [{ type: 'text', text }])
        break
      }
      default:
        // web_search_call, compaction_trigger and other items that steer the client have no chat
        // form (calls of the Responses API's own tools and their outputs arrive as notes: foreignItemsAsText;
        // additional_tools items are lifted into the tool list when the request is parsed).
        break
    }
  }
  endToolTurn()
  for (const [message, merged] of mergedText) message.content = merged.texts.join(merged.separator)
  if (options.reasoningOnEveryAssistantTurn) for (const message of messages) if (message.role === 'assistant') message.reasoning_content ??= ''
  return messages
}
