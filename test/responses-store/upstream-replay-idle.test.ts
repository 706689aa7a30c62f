import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { settingsFrom, testDeps } from '../support/shim.ts'

// A background response still running upstream: one event, a silence (reasoning), then the rest.
const gapMs = 3000
const sse = (n: number) => new TextEncoder().encode(`event: response.in_progress\ndata: {"type":"response.in_progress","sequence_number":${n}}\n\n`)
const up = Bun.serve({
  hostname: '127.0.0.1', port: 0, idleTimeout: 0,
  fetch() {
    return new Response(new ReadableStream({
      async start(c) { c.enqueue(sse(0)); await Bun.sleep(gapMs); c.enqueue(sse(1)); c.close() },
    }), { headers: { 'content-type': 'text/event-stream' } })
  },
})
const deps = testDeps(settingsFrom([{ slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: `http://127.0.0.1:${up.port}/v1`, api_key: 'sk-review-0123456789' }]), { idleTimeoutMs: 60_000 })
const handle = createHandler(deps)
// As serve.ts runs it, with the connection idle limit (CODEX_SHIM_CONNECTION_IDLE_SECONDS, default 120) scaled down to 2 s.
const shim = Bun.serve({ hostname: '127.0.0.1', port: 0, idleTimeout: 2, fetch: (request, server) => handle(request, server) })
afterAll(() => { shim.stop(true); up.stop(true) })

async function read(path: string, init?: RequestInit): Promise<string> {
  const r = await fetch(`http://127.0.0.1:${shim.port}${path}`, { ...init, headers: { host: '127.0.0.1:8765', 'content-type': 'application/json' } })
  return r.text().catch((error) => `broken: ${error}`)
}

test('a forwarded ?stream=true replay survives a silence longer than the connection idle limit', async () => {
  const text = await read('/v1/responses/resp_bg?stream=true')
  expect(text).toContain('"sequence_number":1')
}, 15000)
