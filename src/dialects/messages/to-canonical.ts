import * as v from 'valibot'
import type { ContentPart, ResponsesItem, ResponsesRequest, ResponsesTool, ToolChoice } from '../../canonical/types.ts'
import { ShimError } from '../../errors.ts'
import { assertJsonDepth } from '../../canonical/json-depth.ts'
import { byType } from '../../by-type.ts'
import { foundIn, isMissingKey, issuePath } from '../../issue-path.ts'
import { THINKING_BUDGETS } from './request.ts'
import { decodeCarriedReasoning, encodeThinking } from './thinking-signature.ts'
import { fromMessagesToolId } from './tool-id.ts'

const block = v.looseObject({ type: v.string('expected a content block with a string "type"') })
const str = (what: string) => v.string(`expected ${what} as a string`)
const source = v.variant('type', [
  v.looseObject({ type: v.literal('base64'), media_type: str('media_type'), data: str('data') }),
  v.looseObject({ type: v.literal('url'), url: str('url') }),
  v.looseObject({ type: v.literal('text'), data: str('data') }),
  v.looseObject({ type: v.literal('file'), file_id: str('file_id') }),
  v.looseObject({ type: v.literal('content'), content: v.unknown() }),
], 'expected a source of type base64, url, text, file or content')
const BLOCK_SCHEMAS: Record<string, v.GenericSchema> = {
  text: v.looseObject({ type: v.literal('text'), text: str('text') }),
  image: v.looseObject({ type: v.literal('image'), source }),
  document: v.looseObject({ type: v.literal('document'), source }),
  tool_use: v.looseObject({ type: v.literal('tool_use'), id: str('id'), name: str('name'), input: v.record(v.string(), v.unknown(), 'expected input as an object') }),
  tool_result: v.looseObject({ type: v.literal('tool_result'), tool_use_id: str('tool_use_id'), content: v.optional(v.union([v.string(), v.array(block)], 'expected a string or an array of content blocks')), is_error: v.optional(v.boolean('expected true or false')) }),
  thinking: v.looseObject({ type: v.literal('thinking'), thinking: str('thinking'), signature: v.optional(str('signature')) }),
  redacted_thinking: v.looseObject({ type: v.literal('redacted_thinking'), data: str('data') }),
  search_result: v.looseObject({ type: v.literal('search_result'), source: str('source'), title: str('title'), content: v.array(v.looseObject({ type: v.literal('text'), text: str('text') }), 'expected an array of text blocks') }),
}
/** What Anthropic takes inside a tool_result; anything else there would be lost, so it is refused. */
const TOOL_RESULT_BLOCKS = ['text', 'image', 'document', 'search_result']
/**
 * Tools Anthropic defines and the client runs (their schemas are built into Claude, so the request
 * carries a versioned type and no input_schema): unlike server tools, leaving one out would take
 * away a tool the client expects the model to call.
 */
const CLIENT_TOOL_TYPE = /^(bash|text_editor|computer|memory)_\d{8}$/
/** Anthropic server-side blocks Claude Code may replay: known, dropped on translation. */
const SERVER_BLOCKS = ['server_tool_use', 'web_search_tool_result', 'web_fetch_tool_result', 'code_execution_tool_result', 'bash_code_execution_tool_result', 'text_editor_code_execution_tool_result', 'tool_search_tool_result', 'mcp_tool_use', 'mcp_tool_result', 'container_upload']
const checkedBlock = byType(BLOCK_SCHEMAS, 'expected a content block with a string "type"')
// Arrays first: Claude Code sends its messages and system prompt as blocks, matched without first
// failing the string option (a failed option builds an issue; which one fails does not change the message).
const content = v.union([v.array(checkedBlock, 'expected an array of content blocks'), v.string()], 'expected a string or an array of content blocks')
const messageList = <T extends v.GenericSchema>(item: T) => v.array(item, 'expected an array of messages')
/** `output_config.effort`, as the Anthropic SDK types it. */
const OUTPUT_EFFORTS = ['low', 'medium', 'high', 'xhigh', 'max'] as const
export const MessagesClientSchema = v.looseObject({
  model: v.pipe(v.string('expected the model slug as a string'), v.nonEmpty('expected a model slug')),
  max_tokens: v.optional(v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(1, 'expected at least 1'))),
  messages: messageList(v.looseObject({ role: v.picklist(['user', 'assistant', 'system'], 'expected "user" or "assistant"'), content })),
  system: v.optional(v.union([v.array(checkedBlock), v.string()], 'expected a string or an array of text blocks')),
  tools: v.optional(v.array(v.looseObject({ name: v.string('expected the tool name as a string'), description: v.optional(str('description')), input_schema: v.optional(v.record(v.string(), v.unknown(), 'expected a JSON Schema object')) }), 'expected an array of tools')),
  tool_choice: v.optional(v.looseObject({ type: v.picklist(['auto', 'any', 'tool', 'none'], 'expected auto, any, tool or none'), name: v.optional(str('name')), disable_parallel_tool_use: v.optional(v.boolean('expected true or false')) }, 'expected an object like {"type":"auto"}')),
  thinking: v.optional(v.looseObject({ type: v.picklist(['enabled', 'disabled', 'adaptive'], 'expected enabled, disabled or adaptive'), budget_tokens: v.optional(v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(1, 'expected at least 1'))) }, 'expected an object like {"type":"enabled","budget_tokens":4096}')),
  stop_sequences: v.optional(v.array(str('each stop sequence'), 'expected an array of strings')),
  metadata: v.optional(v.looseObject({}, 'expected an object')),
  stream: v.optional(v.boolean('expected true or false')),
  temperature: v.optional(v.number('expected a number')),
  top_p: v.optional(v.number('expected a number')),
  top_k: v.optional(v.number('expected a number')),
  output_config: v.optional(
    v.looseObject(
      {
        effort: v.nullish(v.picklist(OUTPUT_EFFORTS, `expected one of ${OUTPUT_EFFORTS.join(', ')}`)),
        format: v.nullish(v.looseObject({ type: v.literal('json_schema', 'expected "json_schema"'), schema: v.record(v.string(), v.unknown(), 'expected a JSON Schema object') }, 'expected an object like {"type":"json_schema","schema":{…}}')),
      },
      'expected an object like {"effort":"high"}',
    ),
  ),
})
export type MessagesClientRequest = v.InferOutput<typeof MessagesClientSchema> & Record<string, unknown>

/**
 * What a fast path needs of a request, checked with the same messages as the
 * whole schema but without walking (and copying) the messages and tools: its
 * upstream speaks Messages and judges the rest itself.
 */
const MessagesEnvelopeSchema = v.looseObject({
  model: MessagesClientSchema.entries.model,
  max_tokens: MessagesClientSchema.entries.max_tokens,
  messages: messageList(v.unknown()),
  stream: MessagesClientSchema.entries.stream,
})

/** The whole request, validated; `depthChecked` when parseMessagesEnvelope already walked it. */
export function parseMessagesRequest(body: unknown, options: { requireMaxTokens: boolean; depthChecked?: boolean }): MessagesClientRequest {
  return checked(MessagesClientSchema, body, options) as MessagesClientRequest
}

/** The model and whether the answer streams: all a fast path reads, and the same 400s for them. */
export function parseMessagesEnvelope(body: unknown): { model: string; stream: boolean } {
  const request = checked(MessagesEnvelopeSchema, body, { requireMaxTokens: true })
  return { model: request.model, stream: request.stream === true }
}

function checked<S extends typeof MessagesClientSchema | typeof MessagesEnvelopeSchema>(schema: S, body: unknown, options: { requireMaxTokens: boolean; depthChecked?: boolean }): v.InferOutput<S> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ShimError('bad_request', 'Invalid request: expected a JSON object with "model" and "messages".')
  if (!options.depthChecked) assertJsonDepth(body, { numbers: 'dots' })
  const parsed = v.safeParse(schema, body)
  if (!parsed.success) {
    const issue = parsed.issues[0]
    const param = issuePath(issue, { numbers: 'dots' })
    const missing = isMissingKey(issue)
    throw new ShimError('bad_request', `${param || 'body'}: ${missing ? 'Field required' : issue.message}${foundIn(issue)}`, { param: param || undefined })
  }
  if (options.requireMaxTokens && parsed.output.max_tokens === undefined) throw new ShimError('bad_request', 'max_tokens: Field required', { param: 'max_tokens' })
  return parsed.output
}

type Block = Record<string, any>

/**
 * The server tools (web search, code execution, …) a Messages request offers: Anthropic runs them,
 * so a translated route leaves them out, and says so once per model (front-door.ts).
 */
export function messagesServerTools(request: MessagesClientRequest): string[] {
  const tools = (request.tools ?? []) as Block[]
  return tools.filter((tool) => !tool.input_schema).map((tool) => String(tool.name ?? tool.type).slice(0, 64))
}

/**
 * For translated routes: what would be lost on the way (a block type we do not know, a file held by
 * Anthropic, a tool only Claude knows) is a 400 naming the field, never dropped without a word.
 */
/** Blocks only the client's turns hold, and only the model's: what the translation reads on one side alone. */
const USER_ONLY_BLOCKS: ReadonlySet<string> = new Set(['image', 'document', 'tool_result', 'search_result'])
const ASSISTANT_ONLY_BLOCKS: ReadonlySet<string> = new Set(['tool_use', 'thinking', 'redacted_thinking'])

export function assertMessagesTranslatable(request: MessagesClientRequest): void {
  // Run on Anthropic's side: another provider would answer without them.
  for (const field of ['mcp_servers', 'container'] as const) {
    const value = (request as Record<string, unknown>)[field]
    if (value != null && !(Array.isArray(value) && value.length === 0)) {
      throw new ShimError('bad_request', `${field}: runs on Anthropic's side and cannot be translated for this model's provider; leave it out, or pick an Anthropic model`, { param: field })
    }
  }
  // No other provider's API samples by top-k (OpenAI's have no such field): asked for, it would be ignored.
  if (typeof request.top_k === 'number') {
    throw new ShimError('bad_request', "top_k: this model's provider cannot sample by top-k; leave it out (temperature and top_p are carried), or pick an Anthropic model", { param: 'top_k' })
  }
  const tools = (request.tools ?? []) as Block[]
  tools.forEach((tool, index) => {
    if (tool.input_schema || typeof tool.type !== 'string' || !CLIENT_TOOL_TYPE.test(tool.type)) return
    throw new ShimError('bad_request', `tools.${index}: "${tool.type.slice(0, 64)}" is a tool Anthropic defines for the client to run, and only Claude knows its input schema; define it as a custom tool (name, description, input_schema), or pick an Anthropic model`, { param: `tools.${index}` })
  })
  // Server tools are left out, so "any" would force a call with nothing left to call.
  if ((request.tool_choice as Block | undefined)?.type === 'any' && !tools.some((tool) => tool.input_schema)) {
    const offered = tools.map((tool) => String(tool.name ?? tool.type).slice(0, 64)).join(', ')
    throw new ShimError('bad_request', `tool_choice: "any" forces a tool call, but ${offered ? `the only tools offered (${offered}) run on Anthropic's side, which this model's provider cannot do` : 'no tools are offered'}; use "auto", or pick an Anthropic model`, { param: 'tool_choice' })
  }
  request.messages.forEach((message, index) => {
    if (!Array.isArray(message.content)) return
    message.content.forEach((value, at) => {
      const path = `messages.${index}.content.${at}`
      if (!Object.hasOwn(BLOCK_SCHEMAS, value.type) && !SERVER_BLOCKS.includes(value.type)) {
        throw new ShimError('bad_request', `${path}.type: unknown content block type "${String(value.type).slice(0, 64)}"; expected one of ${Object.keys(BLOCK_SCHEMAS).join(', ')}`, { param: `${path}.type` })
      }
      assertSourceReadable(value, path)
      // Anthropic refuses a block in the other party's turn; translated, it would vanish.
      const wrongTurn = message.role === 'assistant' ? USER_ONLY_BLOCKS.has(value.type) : ASSISTANT_ONLY_BLOCKS.has(value.type)
      if (wrongTurn) {
        throw new ShimError('bad_request', `${path}.type: a "${value.type}" block cannot be in ${message.role === 'assistant' ? 'an assistant' : 'a user'} turn; move it to ${message.role === 'assistant' ? 'a user' : 'an assistant'} turn`, { param: `${path}.type` })
      }
      if (value.type !== 'tool_result' || !Array.isArray(value.content)) return
      ;(value.content as Block[]).forEach((inner, k) => {
        if (!TOOL_RESULT_BLOCKS.includes(inner.type)) {
          throw new ShimError('bad_request', `${path}.content.${k}.type: content block type "${String(inner.type).slice(0, 64)}" cannot be carried inside a tool_result for this model's provider; expected one of ${TOOL_RESULT_BLOCKS.join(', ')}`, { param: `${path}.content.${k}.type` })
        }
        assertSourceReadable(inner, `${path}.content.${k}`)
      })
    })
  })
}

/** A file uploaded to Anthropic lives there: another provider cannot be given it. */
function assertSourceReadable(value: Block, path: string): void {
  const sourceType = (value as { source?: { type?: string } }).source?.type
  if ((value.type === 'image' || value.type === 'document') && sourceType === 'file') {
    throw new ShimError('bad_request', `${path}.source: a file uploaded to Anthropic (source type "file") cannot be read for this model's provider; send it as base64 or a URL`, { param: `${path}.source` })
  }
}

function partsOf(blocks: Block[]): ContentPart[] {
  const parts: ContentPart[] = []
  for (const b of blocks) {
    if (b.type === 'text' && typeof b.text === 'string') parts.push({ type: 'input_text', text: b.text })
    else if (b.type === 'image' && b.source?.type === 'base64') parts.push({ type: 'input_image', image_url: `data:${b.source.media_type};base64,${b.source.data}` })
    else if (b.type === 'image' && b.source?.type === 'url') parts.push({ type: 'input_image', image_url: b.source.url })
    else if (b.type === 'document') parts.push(...documentParts(b))
    else if (b.type === 'search_result') parts.push({ type: 'input_text', text: searchResultText(b) })
  }
  return parts
}

/**
 * A search result the client's own retrieval found: its text with the title and source it came
 * from, which is what the model reads of it (other providers cannot cite it back as Claude would).
 */
function searchResultText(b: Block): string {
  const content = Array.isArray(b.content) ? (b.content as Block[]) : []
  const text = content.map((part) => (typeof part.text === 'string' ? part.text : '')).filter(Boolean).join('\n')
  return `Search result: ${String(b.title ?? '')}\nSource: ${String(b.source ?? '')}\n\n${text}`
}

/** A document block as the canonical form holds it: its text, or the file itself (a PDF). */
function documentParts(b: Block): ContentPart[] {
  const source = b.source
  const filename = typeof b.title === 'string' ? b.title : undefined
  switch (source?.type) {
    case 'text':
      return [{ type: 'input_text', text: String(source.data ?? '') }]
    case 'content':
      return partsOf(Array.isArray(source.content) ? (source.content as Block[]) : typeof source.content === 'string' ? [{ type: 'text', text: source.content }] : [])
    case 'base64':
      return [{ type: 'input_file', file_data: `data:${source.media_type};base64,${source.data}`, filename: filename ?? 'document.pdf' }]
    case 'url':
      return [{ type: 'input_file', file_url: String(source.url), ...(filename && { filename }) }]
    default:
      return []
  }
}

/** Effort from a thinking budget: the nearest level whose default budget is not above it. */
function effortForBudget(budget: number): string {
  const levels = Object.entries(THINKING_BUDGETS).filter(([name]) => name !== 'ultra').sort((a, b) => a[1] - b[1])
  return levels.filter(([, b]) => b <= budget).at(-1)?.[0] ?? 'minimal'
}

/**
 * Messages request → canonical. What current Claude Code sends and we cannot
 * use is dropped deliberately, never a 400: `context_management`,
 * `metadata`, server tools, cache_control marks. A
 * `system` role message mid-conversation becomes a developer message.
 */
export function messagesToCanonical(request: MessagesClientRequest): ResponsesRequest {
  const input: ResponsesItem[] = []
  const system = typeof request.system === 'string' ? request.system : (request.system ?? []).map((b) => (b as Block).text ?? '').filter(Boolean).join('\n\n')
  for (const message of request.messages) {
    const blocks: Block[] = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : (message.content as Block[])
    if (message.role === 'assistant') {
      for (const b of blocks) {
        if (b.type === 'text' && b.text) input.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: b.text }] })
        else if (b.type === 'thinking') {
          // Another upstream's reasoning that came to the client in the signature goes back as it was.
          const carried = decodeCarriedReasoning(b.signature)
          if (carried) {
            input.push({ type: 'reasoning', ...(carried.id && { id: carried.id }), summary: [{ type: 'summary_text', text: String(b.thinking ?? '') }], encrypted_content: carried.encrypted_content })
            continue
          }
          // Keep Anthropic's signature so an Anthropic upstream accepts it back; a made-up one stays plain text.
          const signed = typeof b.signature === 'string' && b.signature && b.signature !== FOREIGN_SIGNATURE
          input.push({ type: 'reasoning', summary: [{ type: 'summary_text', text: String(b.thinking ?? '') }], encrypted_content: signed ? encodeThinking({ type: 'thinking', thinking: String(b.thinking ?? ''), signature: b.signature }) : null })
        } else if (b.type === 'redacted_thinking') input.push({ type: 'reasoning', summary: [], encrypted_content: encodeThinking({ type: 'redacted_thinking', data: String(b.data ?? '') }) })
        else if (b.type === 'tool_use') input.push({ type: 'function_call', call_id: fromMessagesToolId(String(b.id)), name: String(b.name), arguments: JSON.stringify(b.input ?? {}) })
      }
    } else if (message.role === 'system') {
      const text = partsOf(blocks).map((p) => ('text' in p ? p.text : '')).join('\n')
      if (text) input.push({ type: 'message', role: 'developer', content: [{ type: 'input_text', text }] })
    } else {
      const rest: Block[] = []
      for (const b of blocks) {
        if (b.type === 'tool_result') {
          const inner: Block[] = typeof b.content === 'string' ? [{ type: 'text', text: b.content }] : (b.content ?? [])
          const parts = partsOf(inner)
          const text = parts.every((p) => p.type === 'input_text') ? parts.map((p) => (p as { text: string }).text).join('\n') : null
          const prefix = b.is_error ? 'Error: ' : ''
          // A failed call stays marked as failed when its result also holds an image.
          const output = text !== null ? prefix + text : b.is_error ? [{ type: 'input_text' as const, text: 'Error:' }, ...parts] : parts
          input.push({ type: 'function_call_output', call_id: fromMessagesToolId(String(b.tool_use_id)), output })
        } else rest.push(b)
      }
      const parts = partsOf(rest)
      if (parts.length) input.push({ type: 'message', role: 'user', content: parts })
    }
  }

  const canonical: ResponsesRequest = { model: request.model, input, stream: request.stream === true }
  if (system) canonical.instructions = system
  if (request.max_tokens) canonical.max_output_tokens = request.max_tokens
  if (typeof request.temperature === 'number') canonical.temperature = request.temperature
  if (typeof request.top_p === 'number') canonical.top_p = request.top_p
  if (request.stop_sequences?.length) canonical.stop = request.stop_sequences
  const tools: ResponsesTool[] = []
  for (const tool of (request.tools ?? []) as Block[]) {
    // Server tools (web_search_2025…) carry a versioned type and no schema: nothing to translate. Client-run ones were refused.
    if (tool.input_schema) tools.push({ type: 'function', name: tool.name, description: tool.description, parameters: tool.input_schema })
  }
  if (tools.length) canonical.tools = tools
  const choice = request.tool_choice as Block | undefined
  if (choice?.type === 'any') canonical.tool_choice = 'required'
  else if (choice?.type === 'none') canonical.tool_choice = 'none'
  else if (choice?.type === 'tool' && choice.name) canonical.tool_choice = { type: 'function', name: choice.name } as ToolChoice
  if (choice?.disable_parallel_tool_use === true) canonical.parallel_tool_calls = false
  const thinking = request.thinking as Block | undefined
  if (thinking?.type === 'enabled' && typeof thinking.budget_tokens === 'number') canonical.reasoning = { effort: effortForBudget(thinking.budget_tokens) }
  else if (thinking?.type === 'adaptive' || thinking?.type === 'enabled') canonical.reasoning = { effort: 'medium' }
  // Off means off: not the model's own default effort, which may be high.
  else if (thinking?.type === 'disabled') canonical.reasoning = { effort: 'none' }
  // Anthropic's own effort control (Claude Code sets it): how hard to think, unless thinking is off.
  const output = request.output_config
  if (output?.effort && thinking?.type !== 'disabled') canonical.reasoning = { effort: output.effort }
  // Structured output: the answer's text is JSON of this schema, as a Responses text format says.
  if (output?.format) canonical.text = { ...canonical.text, format: { type: 'json_schema', name: 'output', schema: output.format.schema, strict: true } }
  return canonical
}

/** Signature we put on thinking blocks that did not come from Anthropic; never replayed as signed. */
export const FOREIGN_SIGNATURE = 'codex-shim-unsigned'

