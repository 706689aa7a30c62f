import * as v from 'valibot'
import type { ContentPart, ResponsesItem, ResponsesRequest, ResponsesTool, ToolChoice } from '../../canonical/types.ts'
import { ShimError } from '../../errors.ts'
import { assertJsonDepth } from '../../canonical/json-depth.ts'
import { byType } from '../../by-type.ts'
import { foundIn, isMissingKey, issuePath } from '../../issue-path.ts'
import { REASONING_EFFORTS } from '../../settings/schema.ts'

/**
 * A Chat Completions request as clients (Cursor, Aider, Continue, the openai
 * SDK) send it, validated loosely: unknown fields are ignored, wrong types in
 * fields we use are a 400 naming the field.
 */
const PART_SCHEMAS: Record<string, v.GenericSchema> = {
  text: v.looseObject({ type: v.literal('text'), text: v.string('expected the text as a string') }),
  refusal: v.looseObject({ type: v.literal('refusal'), refusal: v.string('expected the refusal as a string') }),
  image_url: v.looseObject({
    type: v.literal('image_url'),
    image_url: v.union([v.string(), v.looseObject({ url: v.string('expected the image url as a string'), detail: v.optional(v.string()) })], 'expected {"url": "https://… or data:…"}'),
  }),
  input_audio: v.looseObject({ type: v.literal('input_audio'), input_audio: v.looseObject({ data: v.string('expected base64 audio data'), format: v.string('expected the audio format') }, 'expected {"data", "format"}') }),
  file: v.looseObject({ type: v.literal('file'), file: v.looseObject({ file_data: v.optional(v.string()), file_id: v.optional(v.string()), filename: v.optional(v.string()) }, 'expected {"file_data" or "file_id"}') }),
}
/** A part of a known type is checked field by field; other types pass here (see assertChatTranslatable). */
const checkedPart = byType(PART_SCHEMAS, 'expected a content part with a string "type"')
const content = v.nullish(v.union([v.string(), v.array(checkedPart)], 'expected a string or an array of content parts'))
const callId = v.string('expected the tool call id as a string')
const functionCall = v.looseObject({ id: callId, type: v.optional(v.literal('function')), function: v.looseObject({ name: v.string('expected the function name as a string'), arguments: v.optional(v.string('expected arguments as a JSON string'), '') }, 'expected {"name", "arguments"}') })
// A custom (freeform) tool's call, as OpenAI returns it (ChatCompletionMessageCustomToolCall).
const customCall = v.looseObject({ id: callId, type: v.literal('custom'), custom: v.looseObject({ name: v.string('expected the custom tool name as a string'), input: v.string('expected the input as a string') }, 'expected {"name", "input"}') })
type FunctionCall = v.InferOutput<typeof functionCall>
type CustomCall = v.InferOutput<typeof customCall>
/** `type` picks the shape; clients that leave it out mean a function call, as before custom tools. */
const toolCall = v.pipe(
  v.looseObject({ type: v.optional(v.picklist(['function', 'custom'], 'expected "function" or "custom"')) }),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return
    const result = v.safeParse(dataset.value.type === 'custom' ? customCall : functionCall, dataset.value)
    if (!result.success) for (const issue of result.issues) addIssue({ message: issue.message, path: issue.path as never, received: issue.received })
  }),
  v.transform((call) => call as FunctionCall | CustomCall),
)
const message = v.looseObject({
  role: v.picklist(['system', 'developer', 'user', 'assistant', 'tool', 'function'], 'expected one of system, developer, user, assistant, tool'),
  content,
  tool_calls: v.nullish(v.array(toolCall, 'expected an array of tool calls')),
  tool_call_id: v.optional(v.string('expected tool_call_id as a string')),
  name: v.nullish(v.string('expected the name as a string')),
})
const messagesOf = <T extends v.GenericSchema>(item: T) => v.pipe(v.array(item, 'expected an array of messages'), v.minLength(1, 'expected at least one message'))
const tokens = v.nullish(v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(1, 'expected at least 1')))
export const ChatRequestSchema = v.looseObject({
  model: v.pipe(v.string('expected the model slug as a string'), v.nonEmpty('expected a model slug; GET /v1/models lists them')),
  messages: messagesOf(message),
  stream: v.nullish(v.boolean('expected true or false')),
  stream_options: v.nullish(v.looseObject({ include_usage: v.nullish(v.boolean('expected true or false')) }, 'expected an object like {"include_usage": true}')),
  tools: v.nullish(
    v.array(
      v.looseObject({ type: v.string('expected a tool with a string "type"'), function: v.optional(v.looseObject({ name: v.string('expected the function name as a string'), description: v.nullish(v.string('expected the description as a string')), strict: v.nullish(v.boolean('expected true or false')), parameters: v.nullish(v.record(v.string(), v.unknown(), 'expected a JSON Schema object')) }, 'expected {"name", "parameters"}')) }),
      'expected an array of tools',
    ),
  ),
  tool_choice: v.nullish(v.union([v.picklist(['auto', 'none', 'required']), v.looseObject({ type: v.string(), function: v.optional(v.looseObject({ name: v.string('expected the function name as a string') })) })], 'expected "auto", "none", "required" or {"type":"function","function":{"name"}}')),
  parallel_tool_calls: v.nullish(v.boolean('expected true or false')),
  n: v.nullish(v.number('expected a number')),
  max_tokens: tokens,
  max_completion_tokens: tokens,
  temperature: v.nullish(v.number('expected a number')),
  top_p: v.nullish(v.number('expected a number')),
  reasoning_effort: v.nullish(v.picklist(REASONING_EFFORTS, `expected one of ${REASONING_EFFORTS.join(', ')}`)),
  response_format: v.nullish(
    v.variant('type', [
      v.looseObject({ type: v.literal('text') }),
      v.looseObject({ type: v.literal('json_object') }),
      v.looseObject({ type: v.literal('json_schema'), json_schema: v.looseObject({ name: v.string('expected the schema name as a string'), schema: v.optional(v.record(v.string(), v.unknown(), 'expected a JSON Schema object')) }, 'expected {"name", "schema"}') }),
    ], 'expected a format of type text, json_object or json_schema'),
  ),
  stop: v.nullish(v.union([v.string(), v.array(v.string())], 'expected a string or an array of strings')),
})
export type ChatClientRequest = v.InferOutput<typeof ChatRequestSchema> & Record<string, unknown>

/**
 * What a fast path needs of a request, checked with the same messages as the
 * whole schema but without walking (and copying) the messages and tools: its
 * upstream speaks Chat Completions and judges the rest itself.
 */
const ChatEnvelopeSchema = v.looseObject({ model: ChatRequestSchema.entries.model, messages: messagesOf(v.unknown()), stream: ChatRequestSchema.entries.stream, n: ChatRequestSchema.entries.n })

/** The whole request, validated; `depthChecked` when parseChatEnvelope already walked it. */
export function parseChatRequest(body: unknown, options: { depthChecked?: boolean } = {}): ChatClientRequest {
  return checked(ChatRequestSchema, body, options.depthChecked === true) as ChatClientRequest
}

/** The model and whether the answer streams: all a fast path reads, and the same 400s for them. */
export function parseChatEnvelope(body: unknown): { model: string; stream: boolean } {
  const request = checked(ChatEnvelopeSchema, body, false)
  return { model: request.model, stream: request.stream === true }
}

function checked<S extends typeof ChatRequestSchema | typeof ChatEnvelopeSchema>(schema: S, body: unknown, depthChecked: boolean): v.InferOutput<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ShimError('bad_request', 'Invalid request: expected a JSON object with "model" and "messages".')
  if (!depthChecked) assertJsonDepth(body)
  const parsed = v.safeParse(schema, body)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const param = issuePath(issue)
    const missing = isMissingKey(issue)
    throw new ShimError('bad_request', `Invalid request: ${param || 'body'}: ${missing ? 'missing required field' : issue.message}${foundIn(issue)}.`, { param: param || undefined })
  }
  const request = parsed.output
  if (request.n && request.n > 1) throw new ShimError('bad_request', 'Invalid request: n: only n = 1 is supported by codex-shim.', { param: 'n' })
  return request
}

/**
 * Chat parameters with no counterpart on the other dialects' upstreams, each of which changes the
 * answer (its tokens, its form) rather than only describing the request: refused by name when set.
 * `seed`, `user`, `metadata` and `store` ask nothing of the answer and are left out.
 */
const UNTRANSLATABLE: { field: string; set: (value: unknown) => boolean }[] = [
  { field: 'logit_bias', set: (value) => Boolean(value) && typeof value === 'object' && Object.keys(value as object).length > 0 },
  { field: 'frequency_penalty', set: (value) => typeof value === 'number' && value !== 0 },
  { field: 'presence_penalty', set: (value) => typeof value === 'number' && value !== 0 },
  { field: 'logprobs', set: (value) => value === true },
  { field: 'top_logprobs', set: (value) => typeof value === 'number' && value > 0 },
  { field: 'audio', set: (value) => value != null },
  { field: 'modalities', set: (value) => Array.isArray(value) && value.some((modality) => modality !== 'text') },
  { field: 'prediction', set: (value) => value != null },
  { field: 'web_search_options', set: (value) => value != null },
]

/** For translated routes: a content part type we do not know would be lost, so it is a 400 naming it; so is a parameter nothing else has. */
export function assertChatTranslatable(request: ChatClientRequest): void {
  // The deprecated function-calling shape has no call ids to pair calls with results by: refused, with the way out.
  const legacy = request as Record<string, unknown>
  for (const field of ['functions', 'function_call'] as const) {
    if (legacy[field] != null) throw new ShimError('bad_request', `Invalid request: ${field}: the legacy function-calling parameters cannot be translated for this model's provider. Use tools and tool_choice.`, { param: field })
  }
  request.messages.forEach((message, index) => {
    if (message.role === 'function' || (message as Record<string, unknown>).function_call != null) {
      throw new ShimError('bad_request', `Invalid request: messages[${index}]: a legacy function call or result cannot be translated for this model's provider. Use tool_calls and role "tool" with tool_call_id.`, { param: `messages[${index}]` })
    }
  })
  for (const { field, set } of UNTRANSLATABLE) {
    if (set((request as Record<string, unknown>)[field])) {
      throw new ShimError('bad_request', `Invalid request: ${field}: this model's provider has no equivalent, and the answer would not be what ${field} asks for. Leave it out, or pick a chat-completions model.`, { param: field })
    }
  }
  request.messages.forEach((message, index) => {
    if (!Array.isArray(message.content)) return
    message.content.forEach((value, at) => {
      const where = `messages[${index}].content[${at}]`
      if (!Object.hasOwn(PART_SCHEMAS, value.type)) {
        throw new ShimError('bad_request', `Invalid request: ${where}.type: unknown content part type "${String(value.type).slice(0, 64)}"; expected one of ${Object.keys(PART_SCHEMAS).join(', ')}.`, { param: `${where}.type` })
      }
      // A refusal is the model's own words: OpenAI takes refusal parts in assistant messages only.
      if (value.type === 'refusal' && message.role !== 'assistant') throw new ShimError('bad_request', `Invalid request: ${where}.type: a refusal part belongs in an assistant message; send this as a text part.`, { param: `${where}.type` })
      // Known, but with nothing another provider could be given: refused rather than left out.
      if (value.type === 'input_audio') throw new ShimError('bad_request', `Invalid request: ${where}: audio input cannot be translated for this model's provider. Send it to a chat model that takes audio, or transcribe it first.`, { param: where })
      if (value.type === 'file' && !(value as { file?: { file_data?: string } }).file?.file_data) {
        throw new ShimError('bad_request', `Invalid request: ${where}.file.file_id: a file uploaded to OpenAI cannot be read for this model's provider. Send its content as file_data (a data: URL).`, { param: `${where}.file.file_id` })
      }
    })
  })
}

function partsOf(value: unknown): ContentPart[] {
  if (value === null || value === undefined) return []
  if (typeof value === 'string') return value ? [{ type: 'input_text', text: value }] : []
  const parts: ContentPart[] = []
  for (const raw of value as Record<string, any>[]) {
    if (raw.type === 'text' && typeof raw.text === 'string') parts.push({ type: 'input_text', text: raw.text })
    else if (raw.type === 'image_url') {
      const url = typeof raw.image_url === 'string' ? raw.image_url : raw.image_url?.url
      if (typeof url === 'string') parts.push({ type: 'input_image', image_url: url, ...(raw.image_url?.detail && { detail: raw.image_url.detail }) })
    } else if (raw.type === 'file' && raw.file?.file_data) parts.push({ type: 'input_file', file_data: raw.file.file_data, filename: raw.file.filename })
  }
  return parts
}

function textOf(value: unknown): string {
  return partsOf(value).map((part) => ('text' in part ? part.text : '')).filter(Boolean).join('\n')
}

/** An assistant turn's refusal: its `refusal` field and its refusal parts (ChatCompletionContentPartRefusal), in order. */
function refusalOf(message: { content?: unknown; refusal?: unknown }): string {
  const parts = Array.isArray(message.content) ? (message.content as { type?: unknown; refusal?: unknown }[]).filter((part) => part.type === 'refusal').map((part) => part.refusal) : []
  return [message.refusal, ...parts].filter((text): text is string => typeof text === 'string' && text !== '').join('\n')
}

/**
 * Chat's `name` tells speakers apart (several users, several agents); no other dialect has it, so it
 * travels as a prefix on the message's text, `alice: …`, or as the text itself when there is none.
 */
function withSpeaker(name: string | null | undefined, text: string): string {
  if (!name) return text
  return text ? `${name}: ${text}` : `${name}:`
}

/** The same prefix on a user message's parts: on its first text, or as a text part before an image or file. */
function partsWithSpeaker(name: string | null | undefined, parts: ContentPart[]): ContentPart[] {
  if (!name) return parts
  const first = parts.findIndex((part) => part.type === 'input_text')
  if (first === -1) return [{ type: 'input_text', text: withSpeaker(name, '') }, ...parts]
  return parts.map((part, index) => (index === first ? { ...part, text: withSpeaker(name, (part as { text: string }).text) } : part))
}

/**
 * Chat's allowed_tools choice, `{type, allowed_tools: {mode, tools: [{type: 'function', function: {name}}]}}`,
 * in the Responses API's shape, `{type, mode, tools: [{type: 'function', name}]}`: a Responses
 * upstream honours it; chat and Anthropic upstreams have none and refuse it by name (assertChoiceHonoured).
 */
function allowedToolsChoice(choice: Record<string, unknown>): ToolChoice {
  const refuse = (field: string, expected: string): never => {
    throw new ShimError('bad_request', `Invalid request: tool_choice.${field}: expected ${expected}.`, { param: `tool_choice.${field}` })
  }
  const allowed = choice.allowed_tools as { mode?: unknown; tools?: unknown } | null | undefined
  if (!allowed || typeof allowed !== 'object') return refuse('allowed_tools', '{"mode", "tools"}')
  if (allowed.mode !== 'auto' && allowed.mode !== 'required') return refuse('allowed_tools.mode', '"auto" or "required"')
  if (!Array.isArray(allowed.tools)) return refuse('allowed_tools.tools', 'an array of tools like {"type": "function", "function": {"name"}}')
  const tools = allowed.tools.map((tool: { type?: unknown; function?: { name?: unknown }; custom?: { name?: unknown } } | null, index) => {
    if (tool?.type === 'function' && typeof tool.function?.name === 'string') return { type: 'function', name: tool.function.name }
    if (tool?.type === 'custom' && typeof tool.custom?.name === 'string') return { type: 'custom', name: tool.custom.name }
    return refuse(`allowed_tools.tools[${index}]`, '{"type": "function", "function": {"name"}} or {"type": "custom", "custom": {"name"}}')
  })
  return { type: 'allowed_tools', mode: allowed.mode, tools }
}

/** Chat request → canonical Responses request (the client's dialect in, the hub's out). */
export function chatToCanonical(request: ChatClientRequest): ResponsesRequest {
  const input: ResponsesItem[] = []
  const instructions: string[] = []
  // A custom tool's result pairs with its call as a custom_tool_call_output, as the Responses API has it.
  const customCallIds = new Set<string>()
  let started = false
  for (const message of request.messages) {
    const role = message.role
    if (role === 'system' || role === 'developer') {
      const text = withSpeaker(message.name, textOf(message.content))
      // Leading system messages are the instructions; later ones stay in place.
      if (!started) instructions.push(text)
      else input.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text }] })
      continue
    }
    started = true
    if (role === 'user') input.push({ type: 'message', role: 'user', content: partsWithSpeaker(message.name, partsOf(message.content)) })
    else if (role === 'assistant') {
      const reasoning = (message as Record<string, unknown>).reasoning_content
      if (typeof reasoning === 'string' && reasoning) input.push({ type: 'reasoning', summary: [{ type: 'summary_text', text: reasoning }] })
      const refusal = refusalOf(message as { content?: unknown; refusal?: unknown })
      // The speaker's name goes on the turn's text, else on its refusal, else it is the text.
      const own = textOf(message.content)
      const text = own || !refusal ? withSpeaker(message.name, own) : ''
      if (text) input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] })
      // A turn the model refused stays in the conversation as the refusal it was.
      if (refusal) input.push({ type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: text ? refusal : withSpeaker(message.name, refusal) }] })
      for (const call of message.tool_calls ?? []) {
        if (call.type === 'custom') {
          customCallIds.add(call.id)
          input.push({ type: 'custom_tool_call', call_id: call.id, name: call.custom.name, input: call.custom.input })
        } else input.push({ type: 'function_call', call_id: call.id, name: call.function.name, arguments: call.function.arguments || '{}' })
      }
    } else {
      // tool (and legacy function) results
      const parts = partsOf(message.content)
      const output = parts.every((part) => part.type === 'input_text') ? parts.map((part) => (part as { text: string }).text).join('\n') : parts
      const callId = message.tool_call_id ?? ''
      input.push({ type: customCallIds.has(callId) ? 'custom_tool_call_output' : 'function_call_output', call_id: callId, output })
    }
  }

  const canonical: ResponsesRequest = { model: request.model, input, stream: request.stream === true }
  if (instructions.length) canonical.instructions = instructions.join('\n\n')
  const tools: ResponsesTool[] = []
  for (const [index, tool] of (request.tools ?? []).entries()) {
    const fn = (tool as { function?: { name: string; description?: string; parameters?: Record<string, unknown>; strict?: boolean } }).function
    const custom = (tool as { custom?: { name?: unknown; description?: string; format?: unknown } }).custom
    if (tool.type === 'function' && fn) tools.push({ type: 'function', name: fn.name, description: fn.description, parameters: fn.parameters ?? { type: 'object', properties: {} }, ...(fn.strict != null && { strict: fn.strict }) })
    // Freeform tools (raw text input), as the Responses API has them.
    else if (tool.type === 'custom' && custom && typeof custom.name === 'string') tools.push({ type: 'custom', name: custom.name, ...(custom.description && { description: custom.description }), ...(custom.format !== undefined && { format: custom.format }) } as ResponsesTool)
    else throw new ShimError('bad_request', `Invalid request: tools[${index}]: expected a "function" or "custom" tool with its definition; "${String(tool.type).slice(0, 64)}" cannot be translated for this model's provider.`, { param: `tools[${index}]` })
  }
  if (tools.length) canonical.tools = tools
  const choice = request.tool_choice as unknown
  if (choice === 'auto' || choice === 'none' || choice === 'required') canonical.tool_choice = choice
  else if (choice && typeof choice === 'object') {
    const named = choice as { type?: string; function?: { name?: string }; custom?: { name?: string } }
    if (named.type === 'function' && named.function?.name) canonical.tool_choice = { type: 'function', name: named.function.name }
    else if (named.type === 'custom' && named.custom?.name) canonical.tool_choice = { type: 'custom', name: named.custom.name }
    else if (named.type === 'allowed_tools') canonical.tool_choice = allowedToolsChoice(choice as Record<string, unknown>)
    // Anything newer: the provider decides whether it can be honoured (assertChoiceHonoured).
    else canonical.tool_choice = { ...(choice as Record<string, unknown>), type: String(named.type) } as ToolChoice
  }
  if (typeof request.parallel_tool_calls === 'boolean') canonical.parallel_tool_calls = request.parallel_tool_calls
  const maxTokens = request.max_completion_tokens ?? request.max_tokens
  if (maxTokens) canonical.max_output_tokens = maxTokens
  if (typeof request.temperature === 'number') canonical.temperature = request.temperature
  if (typeof request.top_p === 'number') canonical.top_p = request.top_p
  const stop = typeof request.stop === 'string' ? [request.stop] : (request.stop ?? [])
  if (stop.length) canonical.stop = stop
  if (typeof request.reasoning_effort === 'string') canonical.reasoning = { effort: request.reasoning_effort }
  const format = request.response_format as { type?: string; json_schema?: { name?: string; schema?: Record<string, unknown>; strict?: boolean } } | undefined
  if (format?.type === 'json_schema' && format.json_schema) canonical.text = { format: { type: 'json_schema', name: format.json_schema.name, schema: format.json_schema.schema, strict: format.json_schema.strict } }
  else if (format?.type === 'json_object') canonical.text = { format: { type: 'json_object' } }
  // What the Responses API has too, for the upstreams that take it (each provider sends what it knows).
  const extra = request as Record<string, unknown>
  if (typeof extra.verbosity === 'string') canonical.text = { ...canonical.text, verbosity: extra.verbosity }
  if (typeof extra.service_tier === 'string') canonical.service_tier = extra.service_tier
  if (typeof extra.prompt_cache_key === 'string') canonical.prompt_cache_key = extra.prompt_cache_key
  if (typeof extra.safety_identifier === 'string') canonical.safety_identifier = extra.safety_identifier
  return canonical
}
