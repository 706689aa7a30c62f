import * as v from 'valibot'
import { ShimError } from '../../errors.ts'
import { isMissingKey, issuePath } from '../../issue-path.ts'
import type { ResponsesItem, ResponsesRequest } from '../../canonical/types.ts'

/**
 * What a Responses request must look like to be served. Loose objects: fields
 * we do not model survive untouched. Strict only where a wrong type would
 * otherwise surface as a 5xx deep in a translator.
 */
const text = v.string('expected a string')
const part = v.looseObject({ type: v.string('expected a content part with a string "type"') })
const content = v.union([text, v.array(part, 'expected an array of content parts')], 'expected a string or an array of content parts')
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
  summary: v.optional(v.array(v.looseObject({ text: v.string() })), []),
})
const anyItem = v.looseObject({ type: v.string('expected an item with a string "type"') })

function itemSchema(item: unknown) {
  if (typeof item !== 'object' || item === null) return anyItem
  const type = (item as { type?: unknown }).type
  if (type === undefined || type === 'message') return messageItem
  if (type === 'function_call') return functionCall
  if (type === 'function_call_output' || type === 'custom_tool_call_output') return toolOutput
  if (type === 'custom_tool_call') return customCall
  if (type === 'reasoning') return reasoning
  return anyItem
}

const tool = v.looseObject({ type: v.string('expected a tool with a string "type"') })
const namedTool = v.looseObject({ type: v.string(), name: v.pipe(v.string('expected the tool name as a string'), v.nonEmpty('expected a non-empty tool name')) })

const RequestSchema = v.looseObject({
  model: v.pipe(v.string('expected the model slug as a string'), v.nonEmpty('expected a model slug; GET /v1/models lists them')),
  input: v.optional(v.union([text, v.array(v.unknown())], 'expected a string or an array of input items')),
  instructions: v.nullish(text),
  tools: v.optional(v.array(tool, 'expected an array of tools')),
  stream: v.optional(v.boolean('expected true or false')),
  parallel_tool_calls: v.optional(v.boolean('expected true or false')),
  max_output_tokens: v.nullish(v.pipe(v.number('expected a number'), v.integer('expected a whole number'), v.minValue(1, 'expected at least 1'))),
  temperature: v.nullish(v.number('expected a number')),
  top_p: v.nullish(v.number('expected a number')),
  reasoning: v.nullish(v.looseObject({ effort: v.nullish(text), summary: v.nullish(text) }, 'expected an object like {"effort":"medium"}')),
  text: v.nullish(v.looseObject({ format: v.optional(v.looseObject({ type: text })), verbosity: v.nullish(text) }, 'expected an object like {"format":{…}}')),
  prompt_cache_key: v.optional(text),
  store: v.nullish(v.boolean('expected true or false')),
})

function fail(issue: v.BaseIssue<unknown>, prefix = ''): never {
  const param = issuePath(issue, { prefix })
  const missing = isMissingKey(issue)
  const received = issue.received && issue.received !== 'unknown' ? ` (got ${issue.received})` : ''
  const detail = missing ? 'missing required field' : `${issue.message}${received}`
  throw new ShimError('bad_request', `Invalid request: ${param || 'body'}: ${detail}.`, { param: param || undefined })
}

/**
 * Validates a Responses request body and normalises what clients may omit:
 * message items without `type`, a string `input`. Throws a 400 ShimError
 * naming the offending field.
 */
export function parseResponsesRequest(body: unknown): ResponsesRequest {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new ShimError('bad_request', 'Invalid request: expected a JSON object with "model" and "input".')
  }
  const parsed = v.safeParse(RequestSchema, body)
  if (!parsed.success) fail(parsed.issues[0])
  const request = parsed.output as ResponsesRequest
  if (Array.isArray(request.input)) {
    request.input = request.input.map((item, index) => {
      const result = v.safeParse(itemSchema(item), item)
      if (!result.success) fail(result.issues[0], `input[${index}]`)
      const out = result.output as ResponsesItem
      return out.type === undefined ? ({ ...(out as object), type: 'message' } as ResponsesItem) : out
    })
  }
  request.tools?.forEach((entry, index) => {
    if (entry.type === 'function' || entry.type === 'custom' || entry.type === 'namespace') {
      const result = v.safeParse(namedTool, entry)
      if (!result.success) fail(result.issues[0], `tools[${index}]`)
    }
  })
  return request
}
