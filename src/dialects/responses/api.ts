import * as v from 'valibot'
import { ShimError } from '../../errors.ts'
import { byType } from '../../by-type.ts'
import { foundIn, isMissingKey, issuePath } from '../../issue-path.ts'
import type { ResponsesItem, ResponsesRequest, ResponsesTool } from '../../canonical/types.ts'
import { assertJsonDepth } from '../../canonical/json-depth.ts'
import { REASONING_EFFORTS } from '../../settings/schema.ts'

/**
 * What a Responses request must look like to be served. Loose objects: fields
 * we do not model survive untouched. Strict only where a wrong type would
 * otherwise surface as a 5xx deep in a translator.
 */
const text = v.string('expected a string')
const part = v.looseObject({ type: v.string('expected a content part with a string "type"') })
// Arrays first in these unions: what Codex and the SDKs send, matched without first failing the
// string option (a failed option builds an issue; which option fails does not change the message).
const content = v.union([v.array(part, 'expected an array of content parts'), text], 'expected a string or an array of content parts')
const optionalString = (what: string) => v.nullish(v.string(`expected ${what} as a string`))
// What Codex sends: the settings' efforts, and `ultra`, which the ChatGPT plan's models list and Codex
// sends as it is (spec §a.2). The translators clamp it like any other (canonical/effort.ts).
const REQUEST_EFFORTS = [...REASONING_EFFORTS, 'ultra'] as const

const TEXT_PARTS = ['input_text', 'output_text', 'text', 'summary_text', 'reasoning_text'] as const
const textPart = v.looseObject({ type: v.picklist(TEXT_PARTS), text: v.string('expected the text as a string') })
const refusalPart = v.looseObject({ type: v.literal('refusal'), refusal: v.string('expected the refusal as a string') })
const imagePart = v.pipe(
  v.looseObject({ type: v.literal('input_image'), image_url: optionalString('image_url (a URL or a data: URL)'), file_id: optionalString('file_id'), detail: optionalString('detail') }),
  v.check((image) => Boolean(image.image_url || image.file_id), 'expected image_url or file_id'),
)
const filePart = v.looseObject({ type: v.literal('input_file'), file_data: optionalString('file_data'), file_id: optionalString('file_id'), file_url: optionalString('file_url'), filename: optionalString('filename') })

/** Parts of a known type are checked field by field; others must at least carry a string `type`. */
const checkedPart = byType(
  { ...Object.fromEntries(TEXT_PARTS.map((type) => [type, textPart])), refusal: refusalPart, input_image: imagePart, input_file: filePart },
  'expected a content part with a string "type"',
)

/** Item types a translated route knows: translated, or dropped on purpose where the upstream has no equivalent. */
export const KNOWN_ITEM_TYPES: ReadonlySet<string> = new Set([
  'message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'reasoning', 'compaction',
  'compaction_trigger', 'context_compaction', 'additional_tools', 'configuration_update', 'web_search_call', 'local_shell_call',
  'local_shell_call_output', 'tool_search_call', 'tool_search_output', 'image_generation_call', 'ghost_snapshot', 'agent_message',
  'file_search_call', 'computer_call', 'computer_call_output', 'code_interpreter_call', 'mcp_call', 'mcp_list_tools',
  'mcp_approval_request', 'mcp_approval_response', 'shell_call', 'shell_call_output', 'apply_patch_call', 'apply_patch_call_output', 'item_reference',
])
const KNOWN_PART_TYPES: ReadonlySet<string> = new Set([...TEXT_PARTS, 'refusal', 'input_image', 'input_file', 'input_audio'])
const roles = ['user', 'assistant', 'system', 'developer'] as const

const messageItem = v.looseObject({
  type: v.optional(v.literal('message')),
  role: v.picklist(roles, `expected one of ${roles.join(', ')}`),
  content,
})
const functionCall = v.looseObject({
  type: v.literal('function_call'),
  call_id: v.string('expected the call_id as a string'),
  name: v.string('expected the tool name as a string'),
  arguments: v.string('expected arguments as a JSON string'),
  namespace: v.optional(v.string()),
})
const toolOutput = v.looseObject({
  type: v.picklist(['function_call_output', 'custom_tool_call_output']),
  call_id: v.string('expected the call_id as a string'),
  output: content,
})
const customCall = v.looseObject({
  type: v.literal('custom_tool_call'),
  call_id: v.string('expected the call_id as a string'),
  name: v.string('expected the tool name as a string'),
  input: v.string('expected input as a string'),
})
const reasoning = v.looseObject({
  type: v.literal('reasoning'),
  summary: v.optional(v.array(v.looseObject({ text: v.string('expected the summary text as a string') }), 'expected an array of summary parts'), []),
  content: v.nullish(v.array(v.looseObject({ text: v.string('expected the reasoning text as a string') }), 'expected an array of reasoning parts')),
  encrypted_content: v.nullish(v.string('expected encrypted_content as a string')),
})
const anyItem = v.looseObject({ type: v.string('expected an item with a string "type"') })
const additionalTools = v.looseObject({
  type: v.literal('additional_tools'),
  tools: v.array(v.looseObject({ type: v.string('expected a tool with a string "type"') }), 'expected an array of tools'),
})

function itemSchema(item: unknown) {
  if (typeof item !== 'object' || item === null) return anyItem
  const type = (item as { type?: unknown }).type
  if (type === undefined || type === 'message') return messageItem
  if (type === 'function_call') return functionCall
  if (type === 'function_call_output' || type === 'custom_tool_call_output') return toolOutput
  if (type === 'custom_tool_call') return customCall
  if (type === 'reasoning') return reasoning
  if (type === 'additional_tools') return additionalTools
  return anyItem
}

const tool = v.looseObject({ type: v.string('expected a tool with a string "type"') })
const toolName = v.pipe(v.string('expected the tool name as a string'), v.nonEmpty('expected a non-empty tool name'))
const description = v.nullish(v.string('expected the description as a string'))
const customTool = v.looseObject({ type: v.literal('custom'), name: toolName, description, format: v.nullish(v.looseObject({ type: v.string('expected the format type as a string'), definition: v.nullish(v.string('expected the grammar definition as a string')), syntax: v.nullish(v.string('expected the grammar syntax as a string')) }, 'expected an object like {"type":"grammar",…}')) })
const namespaceTool = v.looseObject({
  type: v.literal('namespace'),
  name: toolName,
  description,
  tools: v.array(v.looseObject({ type: v.string('expected a tool with a string "type"'), name: toolName, description, parameters: v.nullish(v.record(v.string(), v.unknown(), 'expected a JSON Schema object')) }), 'expected an array of the namespace\'s tools'),
})
const namedTool = v.looseObject({ type: v.string(), name: toolName, description, parameters: v.nullish(v.record(v.string(), v.unknown(), 'expected a JSON Schema object')), strict: v.nullish(v.boolean('expected true or false')) })

const RequestSchema = v.looseObject({
  model: v.pipe(v.string('expected the model slug as a string'), v.nonEmpty('expected a model slug; GET /v1/models lists them')),
  input: v.optional(v.union([v.array(v.unknown()), text], 'expected a string or an array of input items')),
  instructions: v.nullish(text),
  tools: v.optional(v.array(tool, 'expected an array of tools')),
  stream: v.optional(v.boolean('expected true or false')),
  parallel_tool_calls: v.optional(v.boolean('expected true or false')),
  max_output_tokens: v.nullish(v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(1, 'expected at least 1'))),
  temperature: v.nullish(v.number('expected a number')),
  top_p: v.nullish(v.number('expected a number')),
  reasoning: v.nullish(v.looseObject({ effort: v.nullish(v.picklist(REQUEST_EFFORTS, `expected one of ${REQUEST_EFFORTS.join(', ')}`)), summary: v.nullish(text) }, 'expected an object like {"effort":"medium"}')),
  text: v.nullish(v.looseObject({ format: v.optional(v.variant('type', [
    v.looseObject({ type: v.literal('text') }),
    v.looseObject({ type: v.literal('json_object') }),
    v.looseObject({ type: v.literal('json_schema'), name: v.optional(text), schema: v.record(v.string(), v.unknown(), 'expected a JSON Schema object'), strict: v.nullish(v.boolean('expected true or false')) }),
  ], 'expected a format of type text, json_object or json_schema')), verbosity: v.nullish(v.picklist(['low', 'medium', 'high'], 'expected low, medium or high')) }, 'expected an object like {"format":{…}}')),
  tool_choice: v.nullish(v.union([v.picklist(['auto', 'none', 'required']), v.looseObject({ type: text })], 'expected "auto", "none", "required" or an object naming a tool')),
  prompt_cache_key: v.optional(text),
  store: v.nullish(v.boolean('expected true or false')),
  metadata: v.nullish(v.record(v.string(), v.string('expected each metadata value as a string'), 'expected an object of string values')),
  include: v.nullish(v.array(v.string('expected each entry as a string'), 'expected an array of strings')),
  previous_response_id: v.nullish(v.string('expected a response id string')),
  service_tier: v.nullish(v.string('expected a service tier string such as "priority"')),
  user: v.nullish(text),
})

function fail(issue: v.BaseIssue<unknown>, prefix = ''): never {
  const param = issuePath(issue, { prefix })
  const missing = isMissingKey(issue)
  const detail = missing ? 'missing required field' : `${issue.message}${foundIn(issue)}`
  throw new ShimError('bad_request', `Invalid request: ${param || 'body'}: ${detail}.`, { param: param || undefined })
}

/**
 * What a fast path needs of a request, and what says whether it asks
 * anything of the response store, checked with the whole schema's own
 * messages but without walking the input items and tools: an upstream
 * that speaks Responses judges those itself.
 */
const EnvelopeSchema = v.looseObject({
  model: RequestSchema.entries.model,
  input: RequestSchema.entries.input,
  stream: RequestSchema.entries.stream,
  store: RequestSchema.entries.store,
  previous_response_id: RequestSchema.entries.previous_response_id,
})

function asObject(body: unknown, depthChecked: boolean): object {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ShimError('bad_request', 'Invalid request: expected a JSON object with "model" and "input".')
  }
  if (!depthChecked) assertJsonDepth(body)
  return body
}

/** The model and whether the answer streams: all a fast path reads, and the same 400s for them. */
export function parseResponsesEnvelope(body: unknown): { model: string; stream: boolean } {
  const parsed = v.safeParse(EnvelopeSchema, asObject(body, false))
  if (!parsed.success) fail(parsed.issues[0])
  return { model: parsed.output.model, stream: parsed.output.stream === true }
}

/**
 * Validates a Responses request body and normalises what clients may omit:
 * message items without `type`, a string `input`. Throws a 400 ShimError
 * naming the offending field. `depthChecked` when parseResponsesEnvelope already walked it.
 */
export function parseResponsesRequest(body: unknown, options: { depthChecked?: boolean } = {}): ResponsesRequest {
  const parsed = v.safeParse(RequestSchema, asObject(body, options.depthChecked === true))
  if (!parsed.success) fail(parsed.issues[0])
  const request = parsed.output as ResponsesRequest
  // The API reads a top-level null as "not set"; so do the translators.
  for (const key of Object.keys(request) as (keyof ResponsesRequest)[]) if (request[key] === null) delete request[key]
  if (Array.isArray(request.input)) {
    request.input = request.input.map((item, index) => {
      const result = v.safeParse(itemSchema(item), item)
      if (!result.success) fail(result.issues[0], `input[${index}]`)
      const parts = (result.output as { content?: unknown; output?: unknown }).content ?? (result.output as { output?: unknown }).output
      if (Array.isArray(parts)) {
        const field = 'content' in result.output ? 'content' : 'output'
        parts.forEach((value, at) => {
          const checked = v.safeParse(checkedPart, value)
          if (!checked.success) fail(checked.issues[0], `input[${index}].${field}[${at}]`)
        })
      }
      const out = result.output as ResponsesItem
      return out.type === undefined ? ({ ...(out as object), type: 'message' } as ResponsesItem) : out
    })
  }
  request.tools?.forEach((entry, index) => checkTool(entry, `tools[${index}]`))
  liftAdditionalTools(request)
  return request
}

function checkTool(entry: ResponsesTool, path: string): void {
  if (entry.type === 'function' || entry.type === 'custom' || entry.type === 'namespace') {
    const result = v.safeParse(entry.type === 'namespace' ? namespaceTool : entry.type === 'custom' ? customTool : namedTool, entry)
    if (!result.success) fail(result.issues[0], path)
  }
}

/**
 * Responses lite (Codex's bundled ChatGPT models, spec/codex-wire.md §b.5) sends no `tools`: they
 * come in an `additional_tools` input item, which only the ChatGPT backend reads. The canonical
 * request carries them where every translator looks, in `tools` (after any the client also sent
 * there), and the item leaves the input: it configures the request and is no part of the
 * conversation, so it is neither translated as a message nor stored as one. A fast path forwards
 * the client's own bytes, item and all; only a body rebuilt from the response store goes out lifted.
 */
function liftAdditionalTools(request: ResponsesRequest): void {
  if (!Array.isArray(request.input) || !request.input.some((item) => item.type === 'additional_tools')) return
  const lifted: ResponsesTool[] = []
  request.input = request.input.filter((item, index) => {
    if (item.type !== 'additional_tools') return true
    // An array of objects with a string `type`: itemSchema checked it above.
    const tools = (item as { tools?: unknown }).tools as ResponsesTool[]
    tools.forEach((entry, at) => checkTool(entry, `input[${index}].tools[${at}]`))
    lifted.push(...tools)
    return false
  })
  request.tools = [...(request.tools ?? []), ...lifted]
}

/**
 * For routes that translate: an item or content type we do not know cannot be
 * translated faithfully, so it is a 400 naming it rather than silently lost.
 * (The ChatGPT passthrough skips this: the backend judges its own types.)
 */
export function assertTranslatable(request: ResponsesRequest): void {
  // A stored prompt template lives on OpenAI's side: another provider would get the request without it.
  if (request.prompt != null) throw new ShimError('bad_request', 'Invalid request: prompt: a prompt template stored with OpenAI cannot be expanded for this model\'s provider. Send its text as instructions and input, or pick an openai-responses model.', { param: 'prompt' })
  if (!Array.isArray(request.input)) return
  request.input.forEach((item, index) => {
    if (!KNOWN_ITEM_TYPES.has(item.type)) {
      throw new ShimError('bad_request', `Invalid request: input[${index}].type: unknown item type "${String(item.type).slice(0, 64)}". codex-shim translates ${[...KNOWN_ITEM_TYPES].slice(0, 7).join(', ')} and drops the other documented types; if your client is newer than codex-shim, update codex-shim.`, { param: `input[${index}].type` })
    }
    const record = item as { content?: unknown; output?: unknown }
    for (const field of ['content', 'output'] as const) {
      const parts = record[field]
      if (!Array.isArray(parts)) continue
      parts.forEach((value: { type: string }, at) => {
        if (!KNOWN_PART_TYPES.has(value.type)) {
          throw new ShimError('bad_request', `Invalid request: input[${index}].${field}[${at}].type: unknown content type "${String(value.type).slice(0, 64)}"; expected one of ${[...KNOWN_PART_TYPES].join(', ')}.`, { param: `input[${index}].${field}[${at}].type` })
        }
        // Known, but with nothing another provider could be given: refused rather than left out.
        if (value.type === 'input_audio') {
          throw new ShimError('bad_request', `Invalid request: input[${index}].${field}[${at}]: audio input cannot be translated for this model's provider. Send it to an openai-responses model, or transcribe it first.`, { param: `input[${index}].${field}[${at}]` })
        }
      })
    }
  })
}
