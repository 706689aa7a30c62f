/**
 * A fast path hands the upstream's answer on as it came, but only a real one: a 2xx that is not
 * one whole JSON answer (cut short, a page, a stream where one object was asked) is a 502 in the
 * client's dialect, and a stream is streamed whatever its label (a streaming audit found both).
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { startHostileUpstream } from '../fakes/hostile-upstream.ts'
import { post, settingsFrom, startShim, testDeps } from '../support/shim.ts'

let answer: () => Response = () => new Response('unset')
const upstream = startHostileUpstream(() => answer())
afterAll(() => upstream.stop())

const settings = settingsFrom([
  { slug: 'to-chat', model: 'chat-model', provider: 'generic-chat-completion-api', base_url: `${upstream.url}/v1`, api_key: 'k-passthrough-0123456789' },
  { slug: 'to-anthropic', model: 'claude-model', provider: 'anthropic', base_url: upstream.url, api_key: 'k-passthrough-0123456789' },
  { slug: 'to-responses', model: 'resp-model', provider: 'openai-responses', base_url: `${upstream.url}/v1`, api_key: 'k-passthrough-0123456789' },
])
const handle = createHandler(testDeps(settings, { retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } }))
const DOORS = [
  ['/v1/chat/completions', (stream: boolean) => ({ model: 'to-chat', messages: [{ role: 'user', content: 'hi' }], stream })],
  ['/v1/messages', (stream: boolean) => ({ model: 'to-anthropic', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], stream })],
  ['/v1/responses', (stream: boolean) => ({ model: 'to-responses', input: 'hi', stream })],
] as const
const headers = { 'anthropic-version': '2023-06-01' }

describe('stream: false', () => {
  test.each([
    ['JSON cut short', () => new Response('{"id":"chatcmpl-1","choices":[{"message":{"content":"Hel', { headers: { 'content-type': 'application/json' } })],
    ['a portal page', () => new Response('<html>portal</html>', { headers: { 'content-type': 'text/html' } })],
    ['an empty body', () => new Response('', { headers: { 'content-type': 'application/json' } })],
    ['a stream that breaks off', () => new Response('data: {"choices":[{"delta":{"content":"Hel"}}]}\n\n', { headers: { 'content-type': 'text/event-stream' } })],
  ])('a 200 with %s: a 502 in each client\'s shape, never a 200', async (_name, reply) => {
    answer = reply
    for (const [path, body] of DOORS) {
      const response = await handle(post(path, body(false), headers))
      expect({ path, status: response.status }).toEqual({ path, status: 502 })
      expect(await response.text()).toContain('not one complete JSON answer')
    }
  })

  test('a stream that says why it failed: its words come along', async () => {
    answer = () => new Response('data: {"error":{"message":"model overloaded, try later","type":"server_error"}}\n\n', { headers: { 'content-type': 'text/event-stream' } })
    const response = await handle(post('/v1/chat/completions', DOORS[0][1](false)))
    expect(response.status).toBe(502)
    expect(await response.text()).toContain('it said: model overloaded, try later')
  })

  test('a whole JSON answer still passes as it came (model renamed)', async () => {
    answer = () => Response.json({ id: 'chatcmpl-1', object: 'chat.completion', created: 1, model: 'chat-model', choices: [{ index: 0, message: { role: 'assistant', content: 'Hello' }, finish_reason: 'stop' }] })
    const response = await handle(post('/v1/chat/completions', DOORS[0][1](false)))
    expect(response.status).toBe(200)
    expect(await response.json()).toMatchObject({ model: 'to-chat', choices: [{ message: { content: 'Hello' } }] })
  })
})

describe('stream: true', () => {
  test.each([
    // A whole answer in the client's own dialect is streamed to it instead (test/clients/ignored-stream.test.ts).
    ['a JSON object that is no answer (a listing from a wrong base URL)', 'application/json', '{"object":"list","data":[{"id":"chat-model","object":"model"}]}'],
    ['a page', 'text/html', '<html>portal</html>'],
  ])('a 200 with %s where a stream was asked: a 502 saying so', async (_name, type, text) => {
    answer = () => new Response(text, { headers: { 'content-type': type } })
    for (const [path, body] of DOORS) {
      const response = await handle(post(path, body(true), headers))
      expect(response.status).toBe(502)
      expect(await response.text()).toContain('where an event stream was asked for')
    }
  })

  test('SSE labelled text/plain is streamed as it comes, not held until the end', async () => {
    let release!: () => void
    const held = new Promise<void>((resolve) => (release = resolve))
    answer = () =>
      new Response(
        new ReadableStream({
          async start(controller) {
            controller.enqueue(new TextEncoder().encode('data: {"choices":[{"index":0,"delta":{"content":"first"}}]}\n\n'))
            await held
            controller.enqueue(new TextEncoder().encode('data: {"choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'))
            controller.close()
          },
        }),
        { headers: { 'content-type': 'text/plain' } },
      )
    const shim = startShim(settings, { retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } })
    try {
      const response = await fetch(`${shim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(DOORS[0][1](true)) })
      expect(response.headers.get('content-type')).toContain('text/event-stream')
      const reader = response.body!.getReader()
      // The first event arrives while the upstream still holds the rest back.
      expect(new TextDecoder().decode((await reader.read()).value)).toContain('first')
      release()
      let rest = ''
      for (let part = await reader.read(); !part.done; part = await reader.read()) rest += new TextDecoder().decode(part.value)
      expect(rest).toContain('[DONE]')
      expect(rest).not.toContain('error')
    } finally {
      release()
      shim.close()
    }
  })
})

describe('an upstream\'s refusal of the client\'s own body', () => {
  // A routing audit: the chat and Messages fast paths re-rendered it (a label before the message,
  // `param` dropped), against the README's "whose own 400 the client gets".
  test.each([
    ['/v1/chat/completions', { error: { message: 'Invalid value for temperature: 3', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } }],
    ['/v1/messages', { type: 'error', error: { type: 'invalid_request_error', message: 'temperature: range: 0..1' } }],
    ['/v1/responses', { error: { message: 'Invalid value for temperature: 3', type: 'invalid_request_error', param: 'temperature', code: 'invalid_value' } }],
  ])('%s: a 400 reaches the client as the upstream wrote it', async (path, body) => {
    answer = () => Response.json(body, { status: 400 })
    const door = DOORS.find(([doorPath]) => doorPath === path)!
    const response = await handle(post(path, door[1](false), headers))
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual(body)
  })

  test('a 401 still says which key to check: the proxy has something to add there', async () => {
    answer = () => Response.json({ error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } }, { status: 401 })
    const response = await handle(post('/v1/chat/completions', DOORS[0][1](false)))
    expect(response.status).toBe(401)
    expect(((await response.json()) as { error: { message: string } }).error.message).toContain('Check the API key configured for this model')
  })
})
