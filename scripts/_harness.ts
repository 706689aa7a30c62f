/**
 * Shared by `scripts/bench.ts` and `scripts/soak.ts`: fast fake upstreams on
 * 127.0.0.1 (chat chunks, Anthropic events, Responses events) whose deltas and
 * pacing come from the prompt ("deltas=N pace=MS"), and the shim started as
 * its own process with settings pointing at them.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isAlive } from '../src/daemon/pid-file.ts'

const root = join(import.meta.dir, '..')

export interface HarnessOptions {
  /** Another build to run beside the current one (BENCH_BASELINE): same settings, same fakes. */
  baseline?: string
  /** True when the baseline build has this wave's providers and routing (openai-responses, fallbacks, the router). */
  responses?: boolean
  /** How to start this build, instead of dist/ or `bun src/cli.ts` (e.g. with --cpu-prof). */
  command?: string[]
  /** Also run this build with the usage ledger off (CODEX_SHIM_USAGE=0), to measure what the ledger costs. */
  ledgerOff?: boolean
}

export async function startHarness(options: HarnessOptions = {}) {

  const encoder = new TextEncoder()
  function scriptOf(text: string): { deltas: number; pace: number } {
    return { deltas: Number(text.match(/deltas=(\d+)/)?.[1] ?? 5), pace: Number(text.match(/pace=(\d+)/)?.[1] ?? 0) }
  }
  function paced(frames: (i: number) => string, count: number, head: string[], tail: string[], pace: number): ReadableStream<Uint8Array> {
    return new ReadableStream({
      async start(controller) {
        for (const frame of head) controller.enqueue(encoder.encode(frame))
        for (let i = 0; i < count; i++) {
          if (pace) await Bun.sleep(pace)
          controller.enqueue(encoder.encode(frames(i)))
        }
        for (const frame of tail) controller.enqueue(encoder.encode(frame))
        controller.close()
      },
    })
  }
  const sse = { 'content-type': 'text/event-stream' }

  const chatFake = Bun.serve({
    hostname: '127.0.0.1', port: 0, idleTimeout: 10, // real upstreams close idle keep-alive connections too
    async fetch(request) {
      const body = (await request.json()) as any
      const chunk = (delta: object, finish: string | null = null) => `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":${JSON.stringify(delta)},"finish_reason":${JSON.stringify(finish)}}]}\n\n`
      // The auto router's classifier asks for scores: one short answer, as a cheap classifier model would give.
      if (JSON.stringify(body.messages[0] ?? '').includes('scores')) {
        return new Response(`data: ${JSON.stringify({ id: 'c', object: 'chat.completion.chunk', model: 'm', choices: [{ index: 0, delta: { role: 'assistant', content: '{"scores":{"chat":0.9}}' }, finish_reason: 'stop' }] })}\n\ndata: [DONE]\n\n`, { headers: sse })
      }
      const { deltas, pace } = scriptOf(JSON.stringify(body.messages.at(-1)))
      return new Response(paced((i) => chunk({ content: `t${i} ` }), deltas, [chunk({ role: 'assistant', content: '' })], [chunk({}, 'stop'), 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15}}\n\n', 'data: [DONE]\n\n'], pace), { headers: sse })
    },
  })
  const anthropicFake = Bun.serve({
    hostname: '127.0.0.1', port: 0, idleTimeout: 10, // real upstreams close idle keep-alive connections too
    async fetch(request) {
      const body = (await request.json()) as any
      const { deltas, pace } = scriptOf(JSON.stringify(body.messages.at(-1)))
      const ev = (data: any) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`
      return new Response(paced((i) => ev({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: `t${i} ` } }), deltas,
        [ev({ type: 'message_start', message: { id: 'm', type: 'message', role: 'assistant', model: 'm', content: [], usage: { input_tokens: 10, output_tokens: 1 } } }), ev({ type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } })],
        [ev({ type: 'content_block_stop', index: 0 }), ev({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 5 } }), ev({ type: 'message_stop' })], pace), { headers: sse })
    },
  })
  const backendFake = Bun.serve({
    hostname: '127.0.0.1', port: 0, idleTimeout: 10, // real upstreams close idle keep-alive connections too
    async fetch(request) {
      if (new URL(request.url).pathname.endsWith('/codex/models')) return Response.json({ models: [{ slug: 'gpt-5.5', supported_reasoning_levels: [{ effort: 'medium' }] }] })
      const body = (await request.json()) as any
      const { deltas, pace } = scriptOf(JSON.stringify(body.input))
      const ev = (data: any) => `event: ${data.type}\ndata: ${JSON.stringify(data)}\n\n`
      const item = { type: 'message', id: 'msg_1', role: 'assistant', content: [{ type: 'output_text', text: '' }] }
      return new Response(paced((i) => ev({ type: 'response.output_text.delta', item_id: 'msg_1', output_index: 0, content_index: 0, delta: `t${i} ` }), deltas,
        [ev({ type: 'response.created', response: { id: 'r' } }), ev({ type: 'response.output_item.added', output_index: 0, item })],
        [ev({ type: 'response.output_item.done', output_index: 0, item }), ev({ type: 'response.completed', response: { id: 'r', output: [], usage: { input_tokens: 10, output_tokens: 5, total_tokens: 15 } } })], pace), { headers: sse })
    },
  })


  const home = mkdtempSync(join(tmpdir(), 'codex-shim-bench-'))
  // The shims' homes (settings, ledgers of thousands of rows) go when the measuring process ends.
  process.on('exit', () => {
    try {
      rmSync(home, { recursive: true, force: true })
    } catch {}
  })
  const shimHome = join(home, 'shim')
  const codexHome = join(home, 'codex')
  mkdirSync(shimHome, { recursive: true })
  mkdirSync(codexHome, { recursive: true })
  const models = [
    { slug: 'chat', model: 'm', provider: 'generic-chat-completion-api', base_url: `http://127.0.0.1:${chatFake.port}/v1` },
    { slug: 'claude', model: 'claude-bench', provider: 'anthropic', base_url: `http://127.0.0.1:${anthropicFake.port}`, api_key: 'k', prompt_caching: false, reasoning_efforts: ['none'] },
    // The backend fake answers any path, so it also serves as a `POST /v1/responses` upstream.
  ]
  const responsesModel = { slug: 'oai', model: 'gpt-bench', provider: 'openai-responses', base_url: `http://127.0.0.1:${backendFake.port}/v1`, api_key: 'k' }
  // This wave's routing: the chat model again with fallbacks it never needs, and an auto router
  // whose classifier is the chat fake (every bench turn is the same task: decisions come from its cache).
  const fallbackModel = { ...models[0], slug: 'chat-fb', fallbacks: ['claude'] }
  const router = { enabled: true, slug: 'auto', classifier: 'chat', default: 'chat', threshold: 0.5, cache: true, candidates: [{ slug: 'chat', cost: 1, card: 'Answers everything.' }] }
  writeFileSync(join(shimHome, 'models.json'), JSON.stringify({ models: [...models, responsesModel, fallbackModel], router }))
  const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`
  writeFileSync(join(codexHome, 'auth.json'), JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: jwt({ exp: Math.floor(Date.now() / 1000) + 86400 }), refresh_token: 'r', account_id: 'a' } }), { mode: 0o600 })

  const binary = join(root, 'dist', `codex-shim-${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}${process.platform === 'win32' ? '.exe' : ''}`)
  const command = options.command ?? (existsSync(binary) ? [binary] : [process.execPath, join(root, 'src/cli.ts')])
  const shimEnv = { ...process.env, CODEX_SHIM_HOME: shimHome, CODEX_HOME: codexHome, CODEX_SHIM_CHATGPT_BASE_URL: `http://127.0.0.1:${backendFake.port}/backend-api`, CODEX_SHIM_LOG_LEVEL: 'warn' }
  // A baseline build may predate the openai-responses provider (its settings check would refuse the entry).
  const baselineHome = join(home, 'baseline')
  mkdirSync(baselineHome, { recursive: true })
  writeFileSync(join(baselineHome, 'models.json'), JSON.stringify(options.responses ? { models: [...models, responsesModel, fallbackModel], router } : { models }))
  /**
   * A build as its own `start` runs it: the daemon it spawns, with the environment that build gives
   * its daemon (Bun's upstream request cap, read only at process start), so that each build, a
   * baseline too, is measured as users run it. Its own home and port. With `options.command` (a
   * profiler's flags, which must be on the serving process), `_serve` is run directly instead.
   */
  async function launch(command: string[], env: Record<string, string | undefined>) {
    const port = 20000 + Math.floor(Math.random() * 20000)
    const launched = performance.now()
    if (!options.command) {
      const started = Bun.spawn([...command, 'start', '--port', String(port)], { env, stdout: 'pipe', stderr: 'pipe' })
      const [output, code] = await Promise.all([new Response(started.stderr).text(), started.exited])
      if (code !== 0) throw new Error(`${command.join(' ')} start exited with ${code}: ${output.slice(-2000)}`)
      const { pid } = JSON.parse(readFileSync(join(env.CODEX_SHIM_HOME!, 'codex-shim.pid'), 'utf8')) as { pid: number }
      return { child: daemonProcess(pid), port, url: `http://127.0.0.1:${port}`, startupMs: performance.now() - launched }
    }
    const { upstreamRequestEnv } = await import('../src/upstream/max-requests.ts')
    const child = Bun.spawn([...command, '_serve', '--port', String(port)], { env: { ...env, ...upstreamRequestEnv(env) }, stdout: 'ignore', stderr: 'inherit' })
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) break
      } catch {}
      if (child.exitCode !== null) throw new Error(`${command.join(' ')} exited with ${child.exitCode} before serving`)
      await Bun.sleep(1)
    }
    return { child: child as ShimProcess, port, url: `http://127.0.0.1:${port}`, startupMs: performance.now() - launched }
  }
  const ledgerOffHome = join(home, 'ledger-off')
  mkdirSync(ledgerOffHome, { recursive: true })
  writeFileSync(join(ledgerOffHome, 'models.json'), readFileSync(join(shimHome, 'models.json')))
  const current = await launch(command, shimEnv)
  const baseline = options.baseline ? await launch([options.baseline], { ...shimEnv, CODEX_SHIM_HOME: baselineHome }) : null
  const ledgerOff = options.ledgerOff ? await launch(command, { ...shimEnv, CODEX_SHIM_HOME: ledgerOffHome, CODEX_SHIM_USAGE: '0' }) : null
  const { child: shim, port: shimPort, url: shimUrl, startupMs } = current

  const stop = () => {
    shim.kill()
    baseline?.child.kill()
    ledgerOff?.child.kill()
    chatFake.stop(true)
    anthropicFake.stop(true)
    backendFake.stop(true)
  }
  return { shim, shimUrl, shimPort, startupMs, baseline, ledgerOff, chatFake, anthropicFake, backendFake, command, stop, home }
}

/** A shim's serving process: the daemon `start` left running, or a child run directly. */
export interface ShimProcess {
  readonly pid: number
  kill(signal?: NodeJS.Signals): void
  readonly exited: Promise<unknown>
}

/** The daemon a `start` left running, by its pid: signalled, and waited on until it is gone. */
function daemonProcess(pid: number): ShimProcess {
  let exited: Promise<void> | null = null
  return {
    pid,
    kill: (signal = 'SIGTERM') => {
      try {
        process.kill(pid, signal)
      } catch {}
    },
    get exited() {
      return (exited ??= (async () => {
        while (isAlive(pid)) await Bun.sleep(10)
      })())
    },
  }
}

export function rssKiB(pid: number): number {
  return rssSplitKiB(pid).total
}

/** RSS split into private memory (the heap: ours) and file-backed pages (the mapped executable: shared, reclaimable). */
export function rssSplitKiB(pid: number): { total: number; anon: number; file: number } {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const field = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))?.[1] ?? 0)
    return { total: field('VmRSS'), anon: field('RssAnon'), file: field('RssFile') + field('RssShmem') }
  } catch {
    return { total: 0, anon: 0, file: 0 }
  }
}

/** The shim's TCP connections by side: from clients (to its port) and to upstreams. Linux with `ss` only; null otherwise. */
export function shimSockets(pid: number, port: number): { fromClients: number; toUpstreams: number } | null {
  try {
    const out = Bun.spawnSync(['ss', '-tnpH', 'state', 'established']).stdout.toString()
    const mine = out.split('\n').filter((line) => line.includes(`pid=${pid},`))
    const fromClients = mine.filter((line) => line.split(/\s+/)[2]?.endsWith(`:${port}`)).length
    return { fromClients, toUpstreams: mine.length - fromClients }
  } catch {
    return null
  }
}

/**
 * `serve(side, size)` for each of `sides` in blocks of `block` until each has had `count`, the
 * order rotating each round: drift on a shared machine (other work, CPU frequency) then falls on
 * every side alike, where one side's whole run after another's can differ by more than what is
 * measured.
 */
export async function inTurns(sides: number, count: number, block: number, serve: (side: number, size: number) => Promise<void>): Promise<void> {
  for (let done = 0, round = 0; done < count; done += block, round++) {
    const size = Math.min(block, count - done)
    for (let step = 0; step < sides; step++) await serve((round + step) % sides, size)
  }
}

/**
 * CPU per request of each process in `pids`, in µs: `count` requests each (`serve(side, size)` sends
 * `size` of them to that side), in blocks taken in turns (inTurns), read to the nanosecond
 * (cpuMeter). One block of a few hundred requests moves by a third between runs (a garbage
 * collection or a ledger write more or less lands in it); the sum over several blocks taken in turns
 * does not: two copies of one build differ by ~5 µs on a quiet machine.
 */
export async function cpuPerRequestUs(pids: number[], count: number, block: number, serve: (side: number, size: number) => Promise<unknown>): Promise<{ total: number; jit: number }[]> {
  const spent = pids.map(() => ({ total: 0, jit: 0 }))
  await inTurns(pids.length, count, Math.min(block, count), async (side, size) => {
    const used = cpuMeter(pids[side]!)
    await serve(side, size)
    const { ms, jitMs } = used.split()
    spent[side]!.total += ms
    spent[side]!.jit += jitMs
  })
  return spent.map(({ total, jit }) => ({ total: Math.round((total * 1000) / count), jit: Math.round((jit * 1000) / count) }))
}

/**
 * Threads that compile JavaScript (JavaScriptCore's optimizing tiers): busy while code warms up,
 * for the first tens of thousands of requests of a proxy (its steady state needs none), so their
 * share of a measurement is said apart from the work each request does.
 */
const JIT_THREAD = /^(JITWorker|JSCWarmUp)/

/** Each thread's time on a CPU (the first field of its schedstat, in ns), summed, and the compiler threads' part; null where there is no /proc. */
function threadTimes(pid: number): { ns: number; jitNs: number; threads: string } | null {
  try {
    const tasks = readdirSync(`/proc/${pid}/task`).sort()
    let ns = 0
    let jitNs = 0
    for (const task of tasks) {
      const taskNs = Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0])
      ns += taskNs
      if (JIT_THREAD.test(readFileSync(`/proc/${pid}/task/${task}/comm`, 'utf8'))) jitNs += taskNs
    }
    return Number.isFinite(ns) ? { ns, jitNs, threads: tasks.join(',') } : null
  } catch {
    return null
  }
}

/**
 * Starts measuring a process's CPU; the function returned gives the ms used since. To the
 * nanosecond (threads' schedstat): /proc/PID/stat counts 10 ms ticks, too coarse for 200 requests
 * of ~0.3 ms (the figure moved in steps of 0.05 ms). The tick count when a thread came or went
 * meanwhile, since a thread that ended takes its schedstat with it.
 */
export function cpuMeter(pid: number): (() => number) & { split: () => { ms: number; jitMs: number } } {
  const ticks = cpuMs(pid)
  const precise = threadTimes(pid)
  const split = () => {
    const now = threadTimes(pid)
    // With a thread come or gone, the ticks: the compiler threads' part is then not told apart.
    return precise && now && now.threads === precise.threads ? { ms: (now.ns - precise.ns) / 1e6, jitMs: (now.jitNs - precise.jitNs) / 1e6 } : { ms: cpuMs(pid) - ticks, jitMs: 0 }
  }
  return Object.assign(() => split().ms, { split })
}

export function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100 // utime + stime, in clock ticks of 10 ms
  } catch {
    return 0
  }
}

export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length
  } catch {
    return 0
  }
}
