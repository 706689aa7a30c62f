import { afterAll, expect, test } from 'bun:test'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

const KEY = 'sk-review-secret-key-0123456789'
const state = { streamCancelled: 0, importAborted: 0, importStarted: 0 }
const up = Bun.serve({
  hostname: '127.0.0.1', port: 0, idleTimeout: 0,
  fetch(req) {
    const url = new URL(req.url)
    if (url.searchParams.get('stream') === 'true') {
      let timer: Timer
      return new Response(new ReadableStream({
        start(c) { let n = 0; timer = setInterval(() => c.enqueue(new TextEncoder().encode(`event: x\ndata: {"type":"response.in_progress","sequence_number":${n++}}\n\n`)), 20) },
        cancel() { clearInterval(timer); state.streamCancelled++ },
      }), { headers: { 'content-type': 'text/event-stream' } })
    }
    if (url.pathname.endsWith('/input_items')) {
      state.importStarted++
      req.signal.addEventListener('abort', () => state.importAborted++)
      return new Promise<Response>(() => {}) // hangs
    }
    return Response.json({ id: 'resp_slow', object: 'response', status: 'completed', output: [], previous_response_id: null })
  },
})
const chat = startFakeChatUpstream(() => stream(textReply('ok')))
const shim = startShim(settingsFrom([
  { slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: `http://127.0.0.1:${up.port}/v1`, api_key: KEY },
  { slug: 'stateless', model: 'c', provider: 'generic-chat-completion-api', base_url: chat.url },
]))
afterAll(() => { shim.close(); chat.close(); up.stop(true) })

test('client leaves a forwarded streamed retrieval: the upstream stream is cancelled', async () => {
  const controller = new AbortController()
  const r = await fetch(`${shim.url}/v1/responses/resp_slow?stream=true`, { signal: controller.signal })
  const reader = r.body!.getReader()
  await reader.read()
  controller.abort()
  await Bun.sleep(300)
  expect(state.streamCancelled).toBe(1)
})

test('client leaves during an import: the upstream read is aborted', async () => {
  const controller = new AbortController()
  const pending = fetch(`${shim.url}/v1/responses`, { method: 'POST', signal: controller.signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'stateless', previous_response_id: 'resp_slow', input: 'hi' }) }).catch(() => null)
  for (let i = 0; i < 50 && !state.importStarted; i++) await Bun.sleep(20)
  controller.abort()
  await pending
  await Bun.sleep(300)
  expect(state.importAborted).toBe(1)
})
