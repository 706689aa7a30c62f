/**
 * Issue #11, item 7.4: Bun's fetch runs at most 256 requests with a body at
 * once unless BUN_CONFIG_MAX_HTTP_REQUESTS is set when the process starts.
 * A shim process started with `upstreamRequestEnv()` (what the daemon gets)
 * keeps 600 paced streams to two upstreams open, and a request to a third
 * model still answers. The clients are raw sockets, so the test process's own
 * fetch limit plays no part.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { upstreamRequestEnv } from '../../src/upstream/max-requests.ts'

const STREAMS = 600

/** A chat upstream whose streams send a chunk whenever the test ticks, and never finish. */
function pacedUpstream() {
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>()
  const chunk = new TextEncoder().encode('data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"."}}]}\n\n')
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      await request.arrayBuffer()
      let self: ReadableStreamDefaultController<Uint8Array>
      return new Response(
        new ReadableStream<Uint8Array>({
          start(controller) {
            self = controller
            open.add(controller)
            controller.enqueue(chunk)
          },
          cancel: () => void open.delete(self),
        }),
        { headers: { 'content-type': 'text/event-stream' } },
      )
    },
  })
  return { url: `http://127.0.0.1:${server.port}/v1`, open, tick: () => open.forEach((controller) => controller.enqueue(chunk)), stop: () => server.stop(true) }
}

const busyA = pacedUpstream()
const busyB = pacedUpstream()
const quiet = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ id: 'q', object: 'chat.completion', created: 1, model: 'q', choices: [{ index: 0, message: { role: 'assistant', content: 'quiet answer' }, finish_reason: 'stop' }] }) })
const sockets: Socket[] = []
let shim: ReturnType<typeof Bun.spawn>
let port = 0

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-concurrency-'))
  const settings = join(dir, 'models.json')
  writeFileSync(
    settings,
    JSON.stringify({
      models: [
        { slug: 'busy-a', model: 'a', provider: 'generic-chat-completion-api', base_url: busyA.url },
        { slug: 'busy-b', model: 'b', provider: 'generic-chat-completion-api', base_url: busyB.url },
        { slug: 'quiet', model: 'q', provider: 'generic-chat-completion-api', base_url: `http://127.0.0.1:${quiet.port}/v1` },
      ],
    }),
  )
  // Ask the OS for a free port, then hand it to the child.
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  port = probe.port
  probe.stop(true)
  shim = Bun.spawn([process.execPath, join(import.meta.dir, '../../src/cli.ts'), '_serve', '--host', '127.0.0.1', '--port', String(port), '--settings', settings], {
    env: { ...process.env, ...upstreamRequestEnv(), CODEX_SHIM_DISABLE_CHATGPT: '1' },
    stdout: 'ignore',
    stderr: 'ignore',
  })
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok) return
    await Bun.sleep(50)
  }
  throw new Error('the shim child did not become healthy')
})

afterAll(() => {
  for (const socket of sockets) socket.destroy()
  shim?.kill()
  busyA.stop()
  busyB.stop()
  quiet.stop(true)
})

/** One streamed chat request over a raw socket; resolves at the first byte of the answer. */
function openStream(model: string): Promise<void> {
  const body = JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`))
    sockets.push(socket)
    socket.once('data', () => resolve())
    socket.once('error', reject)
  })
}

test(`${STREAMS} concurrent streams across two upstreams all reach them, and a third model still answers`, async () => {
  const opened = Array.from({ length: STREAMS }, (_, i) => openStream(i % 2 ? 'busy-a' : 'busy-b'))
  // Every stream reaches its upstream (with Bun's default, only 256 would: the rest queue inside fetch).
  for (let i = 0; i < 400 && busyA.open.size + busyB.open.size < STREAMS; i++) {
    busyA.tick()
    busyB.tick()
    await Bun.sleep(50)
  }
  expect(busyA.open.size + busyB.open.size).toBe(STREAMS)
  await Promise.all(opened)
  // …and with all of them open, a request to another model is answered.
  const answer = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'quiet', messages: [{ role: 'user', content: 'hi' }] }) })
  expect(answer.status).toBe(200)
  expect(((await answer.json()) as any).choices[0].message.content).toBe('quiet answer')
  expect(busyA.open.size + busyB.open.size).toBe(STREAMS)
}, 60_000)
