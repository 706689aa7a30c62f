/**
 * Figures for issue #11 item 7 (bombs, concurrent streams), measured on a real
 * shim process: its peak RSS (VmHWM) under compression bombs, `/health`
 * latency beside them, and how many paced streams reach two upstreams while a
 * third model is asked for a short answer.
 *
 *   bun scripts/hostile-probe.ts                     # this checkout, spawned like the daemon
 *   bun scripts/hostile-probe.ts --root /tmp/orig --no-cap-env   # an older tree, Bun's default cap
 *   bun scripts/hostile-probe.ts --streams 2000 --only streams
 *   bun scripts/hostile-probe.ts --only stalls      # item 7.8: quadratic translation, deep bodies
 *
 * Linux only (reads /proc). Everything is on 127.0.0.1.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'

const { values } = parseArgs({
  options: {
    root: { type: 'string', default: resolve(import.meta.dir, '..') },
    'no-cap-env': { type: 'boolean', default: false },
    streams: { type: 'string', default: '2000' },
    only: { type: 'string' },
  },
})
const root = values.root!
const STREAMS = Number(values.streams)

function peakRssMb(pid: number): number {
  const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match ? Math.round(Number(match[1]) / 1024) : NaN
}

/** A chat upstream: JSON for `quiet`, a gzip bomb for `/bomb`, and never-ending paced streams otherwise. */
function upstream(gzipBomb: Uint8Array) {
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>()
  const chunk = new TextEncoder().encode('data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"."}}]}\n\n')
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const body = (await request.json()) as { stream?: boolean }
      if (url.pathname.startsWith('/bomb')) return new Response(gzipBomb, { headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' } })
      if (url.pathname.startsWith('/done')) return new Response('data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"ok"},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } })
      if (url.pathname.startsWith('/tools')) return new Response(toolCallStream(TOOL_CALLS), { headers: { 'content-type': 'text/event-stream' } })
      if (!body.stream) return Response.json({ id: 'q', object: 'chat.completion', created: 1, model: 'q', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] })
      let self: ReadableStreamDefaultController<Uint8Array>
      return new Response(new ReadableStream<Uint8Array>({ start: (c) => void (self = c, open.add(c), c.enqueue(chunk)), cancel: () => void open.delete(self) }), { headers: { 'content-type': 'text/event-stream' } })
    },
  })
  const timer = setInterval(() => open.forEach((c) => { try { c.enqueue(chunk) } catch {} }), 500)
  return { url: `http://127.0.0.1:${server.port}`, open, stop: () => (clearInterval(timer), server.stop(true)) }
}

const TOOL_CALLS = 100_000
/** A chat stream of `count` tool calls, each in its own chunk (item 7.8's hostile stream). */
function toolCallStream(count: number): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder()
  let i = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      if (i === count) {
        controller.enqueue(encoder.encode('data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\ndata: [DONE]\n\n'))
        return controller.close()
      }
      const lines: string[] = []
      for (const end = Math.min(count, i + 500); i < end; i++) {
        lines.push(`data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":${i},"id":"call_${i}","type":"function","function":{"name":"f","arguments":"{}"}}]},"finish_reason":null}]}\n\n`)
      }
      controller.enqueue(encoder.encode(lines.join('')))
    },
  })
}

async function gzipZeros(bytes: number): Promise<Uint8Array> {
  const block = new Uint8Array(1024 * 1024)
  let left = bytes
  const source = new ReadableStream<Uint8Array>({ pull: (c) => (left <= 0 ? c.close() : (c.enqueue(block.subarray(0, Math.min(left, block.length))), void (left -= block.length))) })
  return new Uint8Array(await new Response(source.pipeThrough(new CompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>)).arrayBuffer())
}

async function startShim(upstreams: string[]) {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-probe-'))
  const settings = join(dir, 'models.json')
  writeFileSync(settings, JSON.stringify({ models: [
    { slug: 'busy-a', model: 'a', provider: 'generic-chat-completion-api', base_url: `${upstreams[0]}/v1` },
    { slug: 'busy-b', model: 'b', provider: 'generic-chat-completion-api', base_url: `${upstreams[1]}/v1` },
    { slug: 'quiet', model: 'q', provider: 'generic-chat-completion-api', base_url: `${upstreams[2]}/v1` },
    { slug: 'bomb', model: 'q', provider: 'generic-chat-completion-api', base_url: `${upstreams[2]}/bomb/v1` },
    { slug: 'done', model: 'd', provider: 'generic-chat-completion-api', base_url: `${upstreams[2]}/done/v1` },
    { slug: 'tools', model: 't', provider: 'generic-chat-completion-api', base_url: `${upstreams[2]}/tools/v1` },
  ] }))
  const probe = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  const port = probe.port
  probe.stop(true)
  // What the daemon's spawn adds (src/upstream/max-requests.ts), unless measuring without it.
  const capEnv = values['no-cap-env'] ? {} : { BUN_CONFIG_MAX_HTTP_REQUESTS: process.env.CODEX_SHIM_MAX_UPSTREAM_REQUESTS ?? '16384' }
  const child = Bun.spawn([process.execPath, join(root, 'src/cli.ts'), '_serve', '--host', '127.0.0.1', '--port', String(port), '--settings', settings], {
    env: { ...process.env, ...capEnv, CODEX_SHIM_HOME: dir, CODEX_SHIM_DISABLE_CHATGPT: '1', CODEX_SHIM_LOG_LEVEL: 'warn' },
    stdout: 'ignore',
    stderr: 'ignore',
  })
  for (let i = 0; i < 200; i++) {
    if ((await fetch(`http://127.0.0.1:${port}/health`).catch(() => null))?.ok) break
    await Bun.sleep(50)
  }
  return { port, pid: child.pid, base: `http://127.0.0.1:${port}`, stop: () => child.kill() }
}

async function timed<T>(run: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now()
  const value = await run()
  return { value, ms: Math.round(performance.now() - started) }
}

async function bombs(gzipBomb: Uint8Array, hosts: string[]) {
  const zeros = new Uint8Array(1024 * 1024 * 1024).fill(0x20)
  zeros.set(new TextEncoder().encode('{"model":"quiet","messages":[],"x":"'), 0)
  const zstdBomb = Bun.zstdCompressSync(zeros)
  const gzipRequestBomb = Bun.gzipSync(zeros)
  for (const [name, body, encoding] of [['zstd request bomb', zstdBomb, 'zstd'], ['gzip request bomb', gzipRequestBomb, 'gzip']] as const) {
    const shim = await startShim(hosts)
    const send = () => fetch(`${shim.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': encoding }, body }).then((r) => r.status).catch((e) => String(e))
    const baseline = peakRssMb(shim.pid)
    // Two at once, with /health asked right after they are sent.
    const pending = [send(), send()]
    await Bun.sleep(5)
    const health = await timed(() => fetch(`${shim.base}/health`).then((r) => r.status))
    const statuses = await Promise.all(pending)
    console.log(`${name}: 2 × ${Math.round(body.byteLength / 1024)} KB (1 GiB each inflated) → statuses ${statuses.join(', ')}; /health ${health.value} in ${health.ms} ms; peak RSS ${baseline} → ${peakRssMb(shim.pid)} MB`)
    shim.stop()
  }
  const shim = await startShim(hosts)
  const baseline = peakRssMb(shim.pid)
  const answer = await timed(() => fetch(`${shim.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'bomb', messages: [{ role: 'user', content: 'hi' }] }) }).then(async (r) => `${r.status} ${(await r.text()).length} bytes`))
  console.log(`upstream gzip bomb: ${Math.round(gzipBomb.byteLength / 1024)} KB inflating to 2 GiB, non-streamed fast path → ${answer.value} in ${answer.ms} ms; peak RSS ${baseline} → ${peakRssMb(shim.pid)} MB`)
  shim.stop()
}

async function streams(hosts: string[], busy: ReturnType<typeof upstream>[]) {
  const shim = await startShim(hosts)
  const sockets: Socket[] = []
  let firstBytes = 0
  const body = (model: string) => JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] })
  const started = performance.now()
  for (let i = 0; i < STREAMS; i++) {
    const text = body(i % 2 ? 'busy-a' : 'busy-b')
    const socket = connect(shim.port, '127.0.0.1', () => socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${text.length}\r\n\r\n${text}`))
    socket.once('data', () => firstBytes++)
    socket.on('error', () => {})
    sockets.push(socket)
  }
  for (let i = 0; i < 100 && busy[0]!.open.size + busy[1]!.open.size < STREAMS; i++) await Bun.sleep(100)
  const reached = busy[0]!.open.size + busy[1]!.open.size
  const openMs = Math.round(performance.now() - started)
  const quiet = await timed(() =>
    fetch(`${shim.base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'quiet', messages: [{ role: 'user', content: 'hi' }] }), signal: AbortSignal.timeout(15_000) })
      .then((r) => String(r.status))
      .catch(() => 'no answer within 15 s'),
  )
  const health = await timed(() => fetch(`${shim.base}/health`).then((r) => r.status))
  console.log(`streams: ${STREAMS} paced streams over 2 upstreams → ${reached} reached the upstreams (${firstBytes} clients had bytes) after ${openMs} ms; third model: ${quiet.value} in ${quiet.ms} ms; /health ${health.value} in ${health.ms} ms; shim peak RSS ${peakRssMb(shim.pid)} MB`)
  for (const socket of sockets) socket.destroy()
  shim.stop()
}

/** The longest `/health` took while `run` was in flight, asked every 20 ms. */
async function healthDuring<T>(base: string, run: () => Promise<T>): Promise<{ value: T; ms: number; healthMaxMs: number }> {
  let done = false
  let healthMaxMs = 0
  const poller = (async () => {
    while (!done) {
      const asked = performance.now()
      await fetch(`${base}/health`, { signal: AbortSignal.timeout(120_000) }).catch(() => null)
      healthMaxMs = Math.max(healthMaxMs, performance.now() - asked)
      await Bun.sleep(20)
    }
  })()
  const result = await timed(run)
  done = true
  await poller
  return { ...result, healthMaxMs: Math.round(healthMaxMs) }
}

/** Item 7.8: translation work that used to be quadratic, and a body nested 100k deep, with /health asked beside them. */
async function stalls(hosts: string[]) {
  const shim = await startShim(hosts)
  const post = (path: string, body: string, headers: Record<string, string> = {}) => () =>
    fetch(`${shim.base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body, signal: AbortSignal.timeout(180_000) })
      .then(async (r) => `${r.status} (${(await r.arrayBuffer()).byteLength} bytes)`)
      .catch((e) => String(e))
  for (const count of [30_000, 300_000]) {
    const messages = Array.from({ length: count }, (_, i) => ({ role: 'user', content: `m${i}` }))
    const body = JSON.stringify({ model: 'done', max_tokens: 10, messages })
    const result = await healthDuring(shim.base, post('/v1/messages', body, { 'anthropic-version': '2023-06-01' }))
    console.log(`stall: Messages with ${count} user messages (${Math.round(body.length / 1024)} KB) → chat: ${result.value} in ${result.ms} ms; /health at worst ${result.healthMaxMs} ms`)
  }
  const tools = await healthDuring(shim.base, post('/v1/responses', JSON.stringify({ model: 'tools', stream: true, input: 'x' })))
  console.log(`stall: a chat stream of ${TOOL_CALLS} tool calls → Responses: ${tools.value} in ${tools.ms} ms; /health at worst ${tools.healthMaxMs} ms`)
  const depth = 100_000
  const deep = `{"model":"quiet","max_tokens":8,"messages":[{"role":"user","content":"hi"}],"metadata":{"x":${'['.repeat(depth)}${']'.repeat(depth)}}}`
  const nested = await healthDuring(shim.base, post('/v1/messages', deep, { 'anthropic-version': '2023-06-01' }))
  console.log(`stall: a body nested ${depth} deep → ${nested.value} in ${nested.ms} ms; /health at worst ${nested.healthMaxMs} ms`)
  shim.stop()
}

const gzipBomb = await gzipZeros(2 * 1024 * 1024 * 1024)
const servers = [upstream(gzipBomb), upstream(gzipBomb), upstream(gzipBomb)]
const hosts = servers.map((server) => server.url)
console.log(`root ${root}; cap env ${values['no-cap-env'] ? 'not set' : 'set'}`)
if (!values.only || values.only === 'bombs') await bombs(gzipBomb, hosts)
if (!values.only || values.only === 'streams') await streams(hosts, servers)
if (!values.only || values.only === 'stalls') await stalls(hosts)
for (const server of servers) server.stop()
process.exit(0)
