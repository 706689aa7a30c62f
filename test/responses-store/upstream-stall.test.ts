import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { get, post, settingsFrom, testDeps } from '../support/shim.ts'

// An upstream that sends headers and the first bytes of its answer, then nothing more.
const up = Bun.serve({
  hostname: '127.0.0.1', port: 0, idleTimeout: 0,
  fetch(req) {
    const first = req.method === 'POST' ? '{"id":"resp_1","object":"response",' : '{"id":"resp_stalled","object":"response",'
    return new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode(first)) } }), { headers: { 'content-type': 'application/json' } })
  },
})
afterAll(() => up.stop(true))
const handle = createHandler(testDeps(settingsFrom([{ slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: `http://127.0.0.1:${up.port}/v1`, api_key: 'sk-review-0123456789' }]), { idleTimeoutMs: 300 }))

const within = <T>(promise: Promise<T>, ms: number) => Promise.race([promise, Bun.sleep(ms).then(() => 'still waiting' as const)])

test('baseline: the fast path turns a stalled upstream body into an error after idleTimeoutMs', async () => {
  const answer = await within(handle(post('/v1/responses', { model: 'stateful', input: 'hi', stream: false })).then((r) => r.text()), 3000)
  expect(answer).not.toBe('still waiting')
})

test('a forwarded retrieval whose upstream stalls after its headers ends within the idle timeout', async () => {
  const answer = await within(handle(get('/v1/responses/resp_stalled')).then(async (response) => ({ status: response.status, text: await response.text() })), 3000)
  expect(answer).not.toBe('still waiting')
  expect(answer).toMatchObject({ status: 504 })
})
