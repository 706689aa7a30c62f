/**
 * Figures for issue #11 item 7 (bombs, concurrent streams), measured on a real
 * shim process: its peak RSS (VmHWM) under compression bombs, `/health`
 * latency beside them, and how many paced streams reach two upstreams while a
 * third model is asked for a short answer.
 *
 *   bun scripts/hostile-probe.ts                     # this checkout, spawned like the daemon
 *   bun scripts/hostile-probe.ts --root /tmp/orig --no-cap-env   # an older tree, Bun's default cap
 *   bun scripts/hostile-probe.ts --streams 2000 --only streams
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
      if (!body.stream) return Response.json({ id: 'q', object: 'chat.completion', created: 1, model: 'q', choices: [{ index: 0, message: { role: 'assistant', content: 'ok' }, finish_reason: 'stop' }] })
      let self: ReadableStreamDefaultController<Uint8Array>
      return new Response(new ReadableStream<Uint8Array>({ start: (c) => void (self = c, open.add(c), c.enqueue(chunk)), cancel: () => void open.delete(self) }), { headers: { 'content-type': 'text/event-stream' } })
    },
  })
  const timer = setInterval(() => open.forEach((c) => { try { c.enqueue(chunk) } catch {} }), 500)
  return { url: `http://127.0.0.1:${server.port}`, open, stop: () => (clearInterval(timer), server.stop(true)) }
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

const gzipBomb = await gzipZeros(2 * 1024 * 1024 * 1024)
const servers = [upstream(gzipBomb), upstream(gzipBomb), upstream(gzipBomb)]
const hosts = servers.map((server) => server.url)
console.log(`root ${root}; cap env ${values['no-cap-env'] ? 'not set' : 'set'}`)
if (!values.only || values.only === 'bombs') await bombs(gzipBomb, hosts)
if (!values.only || values.only === 'streams') await streams(hosts, servers)
for (const server of servers) server.stop()
process.exit(0)
