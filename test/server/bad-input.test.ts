/**
 * Bad input at every front door: always a 4xx in the caller's own error
 * shape that names the offending field, never a 5xx, and the server keeps
 * serving. Routes go to a healthy fake, so a request that slips through
 * validation would show up as a 200 here.
 */
import { afterAll, afterEach, describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { startFaultUpstream } from '../fakes/fault-upstream.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'

const upstream = startFaultUpstream()
afterAll(() => upstream.close())
afterEach(() => delete process.env.CODEX_SHIM_MAX_BODY_BYTES)
const handle = createHandler(
  testDeps(
    settingsFrom([
      { slug: 'to-chat', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: upstream.base },
      { slug: 'to-claude', model: 'claude-fake', provider: 'anthropic', base_url: upstream.base, api_key: 'sk-ant-test' },
    ]),
  ),
)

type Door = '/v1/responses' | '/v1/chat/completions' | '/v1/messages'
const base: Record<Door, Record<string, unknown>> = {
  // Each door's requests go to an upstream of the other dialect, so they take the translated route.
  '/v1/responses': { model: 'to-claude', input: 'hi' },
  '/v1/chat/completions': { model: 'to-claude', messages: [{ role: 'user', content: 'hi' }] },
  '/v1/messages': { model: 'to-chat', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
}

/** The error as the caller's SDK reads it: OpenAI `{error:{message,param}}` or Anthropic `{type:"error",error:{type,message}}`. */
async function errorOf(door: string, response: Response): Promise<{ message: string; param: string | null }> {
  const body = (await response.json()) as any
  if (door.startsWith('/v1/messages')) {
    expect(body.type).toBe('error')
    expect(body.error.type).toBe(response.status === 413 ? 'request_too_large' : response.status === 404 ? 'not_found_error' : 'invalid_request_error')
    return { message: body.error.message, param: null }
  }
  expect(typeof body.error.type).toBe('string')
  return { message: body.error.message, param: body.error.param }
}

async function expectRejected(door: Door, request: Request, status: number, field: string | RegExp) {
  const response = await handle(request)
  expect(response.status).toBe(status)
  const error = await errorOf(door, response)
  if (typeof field === 'string') {
    expect(error.message).toContain(field)
    if (door !== '/v1/messages' && status === 400) expect(error.param ?? '').toBe(field)
  } else expect(error.message).toMatch(field)
  return error
}

// Every field each door uses, with a wrong value, and the path the error must name.
const WRONG_FIELDS: Record<Door, [string, Record<string, unknown>][]> = {
  '/v1/responses': [
    ['model', { model: 5 }],
    ['input', { input: 5 }],
    ['instructions', { instructions: 5 }],
    ['tools', { tools: 'x' }],
    ['tools[0].name', { tools: [{ type: 'function' }] }],
    ['tools[0].parameters', { tools: [{ type: 'function', name: 'f', parameters: 5 }] }],
    ['tool_choice', { tool_choice: 5 }],
    ['stream', { stream: 'yes' }],
    ['parallel_tool_calls', { parallel_tool_calls: 'x' }],
    ['max_output_tokens', { max_output_tokens: 'x' }],
    ['max_output_tokens', { max_output_tokens: 0 }],
    ['temperature', { temperature: 'hot' }],
    ['top_p', { top_p: [] }],
    ['reasoning', { reasoning: 'x' }],
    ['reasoning.effort', { reasoning: { effort: 'huge' } }],
    ['text', { text: 5 }],
    ['text.format.type', { text: { format: { type: 'yaml' } } }],
    ['text.format.schema', { text: { format: { type: 'json_schema', name: 'x' } } }],
    ['text.verbosity', { text: { verbosity: 'loud' } }],
    ['prompt_cache_key', { prompt_cache_key: 5 }],
    ['store', { store: 'x' }],
    ['metadata', { metadata: 5 }],
    ['include', { include: 5 }],
    ['previous_response_id', { previous_response_id: 5 }],
    ['service_tier', { service_tier: 5 }],
    ['input[0].role', { input: [{ type: 'message', role: 'wizard', content: 'x' }] }],
    ['input[0].content', { input: [{ type: 'message', role: 'user', content: 5 }] }],
    ['input[0].content[0].text', { input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 5 }] }] }],
    ['input[0].content[0].image_url', { input: [{ type: 'message', role: 'user', content: [{ type: 'input_image', image_url: 5 }] }] }],
    ['input[0].content[0].type', { input: [{ type: 'message', role: 'user', content: [{ type: 'input_hologram' }] }] }],
    ['input[0].type', { input: [{ type: 'bogus_item' }] }],
    ['input[0].content[0].type', { input: [{ type: 'message', role: 'user', content: [{ type: 'toString' }] }] }],
    ['input[0].call_id', { input: [{ type: 'function_call', name: 'f', arguments: '{}' }] }],
    ['input[0].arguments', { input: [{ type: 'function_call', call_id: 'c', name: 'f', arguments: {} }] }],
    ['input[0].output', { input: [{ type: 'function_call_output', call_id: 'c', output: 5 }] }],
    ['input[0].input', { input: [{ type: 'custom_tool_call', call_id: 'c', name: 'apply_patch', input: 5 }] }],
  ],
  '/v1/chat/completions': [
    ['model', { model: 5 }],
    ['messages', { messages: 5 }],
    ['messages', { messages: [] }],
    ['messages[0].role', { messages: [{ role: 'wizard', content: 'x' }] }],
    ['messages[0].content', { messages: [{ role: 'user', content: 5 }] }],
    ['messages[0].content[0].text', { messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }],
    ['messages[0].content[0].image_url', { messages: [{ role: 'user', content: [{ type: 'image_url', image_url: 5 }] }] }],
    ['messages[0].content[0].type', { messages: [{ role: 'user', content: [{ type: 'hologram' }] }] }],
    ['messages[0].content[0].type', { messages: [{ role: 'user', content: [{ type: 'constructor' }] }] }],
    ['messages[0].tool_calls[0].id', { messages: [{ role: 'assistant', tool_calls: [{ id: 1, function: { name: 'f' } }] }] }],
    ['messages[0].tool_calls[0].function.arguments', { messages: [{ role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: {} } }] }] }],
    ['messages[0].tool_call_id', { messages: [{ role: 'tool', tool_call_id: 5, content: 'x' }] }],
    ['tools', { tools: 'x' }],
    ['tools[0].function', { tools: [{ type: 'function', function: 5 }] }],
    ['tools[0].function.parameters', { tools: [{ type: 'function', function: { name: 'f', parameters: 'x' } }] }],
    ['tool_choice', { tool_choice: 5 }],
    ['parallel_tool_calls', { parallel_tool_calls: 'x' }],
    ['stream', { stream: 'yes' }],
    ['stream_options', { stream_options: 5 }],
    ['max_tokens', { max_tokens: 'x' }],
    ['max_completion_tokens', { max_completion_tokens: -1 }],
    ['temperature', { temperature: 'x' }],
    ['reasoning_effort', { reasoning_effort: 5 }],
    ['response_format', { response_format: 5 }],
    ['response_format.json_schema', { response_format: { type: 'json_schema' } }],
    ['stop', { stop: 5 }],
    ['n', { n: 'x' }],
    ['n', { n: 3 }],
  ],
  '/v1/messages': [
    ['model', { model: 5 }],
    ['max_tokens', { max_tokens: undefined }],
    ['max_tokens', { max_tokens: 'x' }],
    ['messages', { messages: 5 }],
    ['messages.0.role', { messages: [{ role: 'wizard', content: 'x' }] }],
    ['messages.0.content', { messages: [{ role: 'user', content: 5 }] }],
    ['messages.0.content.0.text', { messages: [{ role: 'user', content: [{ type: 'text', text: 5 }] }] }],
    ['messages.0.content.0.source', { messages: [{ role: 'user', content: [{ type: 'image', source: 5 }] }] }],
    ['messages.0.content.0.tool_use_id', { messages: [{ role: 'user', content: [{ type: 'tool_result' }] }] }],
    ['messages.0.content.0.input', { messages: [{ role: 'assistant', content: [{ type: 'tool_use', id: 'x', name: 'f', input: 5 }] }] }],
    ['messages.0.content.0.signature', { messages: [{ role: 'assistant', content: [{ type: 'thinking', thinking: 'hm', signature: 5 }] }] }],
    ['messages.0.content.0.type', { messages: [{ role: 'user', content: [{ type: 'hologram' }] }] }],
    ['messages.0.content.0.type', { messages: [{ role: 'user', content: [{ type: '__proto__' }] }] }],
    ['system', { system: 5 }],
    ['tools', { tools: 'x' }],
    ['tools.0.name', { tools: [{ name: 5 }] }],
    ['tools.0.input_schema', { tools: [{ name: 'f', input_schema: 'x' }] }],
    ['tool_choice', { tool_choice: 5 }],
    ['tool_choice.type', { tool_choice: { type: 'sometimes' } }],
    ['thinking', { thinking: 5 }],
    ['thinking.budget_tokens', { thinking: { type: 'enabled', budget_tokens: 'x' } }],
    ['stop_sequences', { stop_sequences: 5 }],
    ['metadata', { metadata: 5 }],
    ['stream', { stream: 'yes' }],
    ['temperature', { temperature: 'x' }],
  ],
}

for (const door of Object.keys(WRONG_FIELDS) as Door[]) {
  describe(`${door}: a wrong value in each field is a 400 naming it`, () => {
    for (const [field, patch] of WRONG_FIELDS[door]) {
      test(`${field} = ${JSON.stringify(Object.values(patch)[0])?.slice(0, 60)}`, async () => {
        const body = { ...base[door], ...patch }
        for (const key of Object.keys(patch)) if (patch[key] === undefined) delete body[key]
        await expectRejected(door, post(door, body), 400, field)
      })
    }
  })
}

const DOORS = ['/v1/responses', '/v1/chat/completions', '/v1/messages', '/v1/messages/count_tokens', '/v1/responses/compact'] as const
const doorOf = (path: string): Door => (path.startsWith('/v1/messages') ? '/v1/messages' : path.startsWith('/v1/chat') ? '/v1/chat/completions' : '/v1/responses')

describe('malformed bodies at every door', () => {
  for (const path of DOORS) {
    const door = doorOf(path)
    test(`${path}: invalid JSON, non-objects, empty, non-UTF-8, wrong content type, unknown model, oversized`, async () => {
      await expectRejected(door, post(path, '{"model": "to-chat", "input": '), 400, /not valid JSON/)
      for (const body of ['[]', '42', '"text"', 'null', 'true']) await expectRejected(door, post(path, body), 400, /expected a JSON object/)
      await expectRejected(door, post(path, '   '), 400, /empty/)
      const latin1 = new Uint8Array([0x7b, 0x22, 0x6d, 0x22, 0x3a, 0x22, 0xe9, 0xff, 0x22, 0x7d])
      await expectRejected(door, new Request(`http://127.0.0.1:8765${path}`, { method: 'POST', headers: { host: '127.0.0.1:8765', 'content-type': 'application/json' }, body: latin1 }), 400, /not valid UTF-8/)
      await expectRejected(door, post(path, JSON.stringify(base[door]), { 'content-type': 'text/plain' }), 415, /application\/json/)
      await expectRejected(door, post(path, JSON.stringify(base[door]), { 'content-encoding': 'br' }), 415, /content-encoding/)
      await expectRejected(door, post(path, JSON.stringify(base[door]), { 'content-encoding': 'zstd' }), 400, /does not decompress/)
      if (path !== '/v1/messages/count_tokens') await expectRejected(door, post(path, { ...base[door], model: 'no-such-model' }), 404, /no-such-model/)
      process.env.CODEX_SHIM_MAX_BODY_BYTES = '1024'
      await expectRejected(door, post(path, { ...base[door], padding: 'x'.repeat(2048) }), 413, /exceeds/)
      delete process.env.CODEX_SHIM_MAX_BODY_BYTES
      // …and the door still serves.
      const ok = await handle(post(path, base[door]))
      expect(ok.status).toBe(200)
      await ok.arrayBuffer()
    })
  }

  test('unknown routes and methods: 404 and 405 in the caller’s shape', async () => {
    await expectRejected('/v1/responses', post('/v1/nothing-here', {}), 404, /No route POST \/v1\/nothing-here/)
    await expectRejected('/v1/messages', post('/v1/messages/nothing', {}), 404, /No route/)
    const wrongMethod = await handle(new Request('http://127.0.0.1:8765/v1/responses', { method: 'PUT', headers: { host: '127.0.0.1:8765', 'content-type': 'application/json' }, body: '{}' }))
    expect(wrongMethod.status).toBe(405)
  })
})

describe('unknown types on a passthrough are the upstream’s to judge', () => {
  test('a chat client’s unknown part type goes to a chat upstream as is', async () => {
    const before = upstream.requests
    const response = await handle(post('/v1/chat/completions', { model: 'to-chat', messages: [{ role: 'user', content: [{ type: 'hologram', data: 'x' }] }] }))
    expect(response.status).toBe(200)
    await response.arrayBuffer()
    expect(upstream.requests).toBe(before + 1)
  })
})
