#!/usr/bin/env bun
/**
 * `npm run bench`: what codex-shim adds on top of a direct connection, per
 * route, measured side by side in one run against the same fast fake
 * upstreams on 127.0.0.1. Bounded: fixed request counts and a hard time
 * limit (BENCH_MAX_SECONDS, default 300). Prints a table and one JSON line.
 *
 * The shim runs as its own process, the daemon its own `codex-shim start`
 * spawns: the compiled binary in dist/ when present, else `bun src/cli.ts`.
 * The fakes and the load generator share this process.
 */
import { chmodSync, closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cpuPerRequestUs, inTurns, rssKiB, rssSplitKiB, startHarness } from './_harness.ts'

const root = join(import.meta.dir, '..')
const started = performance.now()
const limitMs = Number(process.env.BENCH_MAX_SECONDS ?? 300) * 1000
const hardStop = setTimeout(() => {
  console.error(`bench: hard time limit of ${limitMs / 1000} s reached; stopping.`)
  process.exit(2)
}, limitMs)

// BENCH_BASELINE=path/to/an/older/binary measures it beside this build, in the same run, on the same
// fakes: the before/after of a change without the noise of two runs on a shared machine.
const baselineBinary = process.env.BENCH_BASELINE || undefined
// BENCH_LEDGER=both adds this build with the usage ledger off: what the ledger costs, side by side.
const ledgerBoth = process.env.BENCH_LEDGER === 'both'
// The Codex CLI the shims run for Codex's bundled catalog: a fake that takes 300 ms per run, as the real
// one takes 0.2–0.5 s, so the stall figure below does not depend on which Codex this machine has.
const fakeCodexDir = mkdtempSync(join(tmpdir(), 'codex-shim-bench-codex-'))
process.on('exit', () => rmSync(fakeCodexDir, { recursive: true, force: true }))
const fakeCodex = join(fakeCodexDir, 'codex')
writeFileSync(fakeCodex, `#!/bin/sh\nsleep 0.3\nif [ "$1" = "--version" ]; then echo "codex-cli 0.169.0"; exit 0; fi\necho '{"models":[{"slug":"gpt-5.5","base_instructions":"You are Codex."}]}'\n`)
chmodSync(fakeCodex, 0o755)
process.env.CODEX_SHIM_CODEX_BIN = fakeCodex
const { shim, shimUrl, startupMs, baseline, ledgerOff, chatFake, anthropicFake, backendFake, command, stop, home } = await startHarness({ baseline: baselineBinary, responses: process.env.BENCH_BASELINE_RESPONSES === '1', ledgerOff: ledgerBoth })
// Idle memory of a fresh shim, before any load: total RSS, and the part that is private
// (the heap) rather than the executable's file-backed pages (shared, reclaimable by the kernel).
await Bun.sleep(500)
const fresh = rssSplitKiB(shim.pid)

/** The longest gap between the chunks of a paced stream (300 deltas, 3 ms apart), from its fourth on (the first include its opening). */
async function longestGap(base: string, meanwhile: () => Promise<unknown>): Promise<number> {
  const body = JSON.stringify({ model: 'chat', stream: true, messages: [{ role: 'user', content: 'deltas=300 pace=3' }] })
  const response = await fetch(`${base}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  const reader = response.body!.getReader()
  const other = meanwhile()
  let last = performance.now()
  let longest = 0
  for (let chunk = 0; ; chunk++) {
    const { done } = await reader.read()
    if (done) break
    const now = performance.now()
    if (chunk > 2) longest = Math.max(longest, now - last)
    last = now
  }
  await other
  return Math.round(longest * 10) / 10
}

/**
 * The same stream, each build's first request, just after another program rewrote a 600 MB file (as a
 * build rewrites its outputs) that the kernel is still writing out: an fsync on the proxy's thread (the
 * usage ledger's, when SQLite synced its log) then waits for that data too, and every stream with it.
 * Rewritten, not new: ext4 orders a truncated file's new data before the next journal commit, which an
 * fsync forces, where a new file's waits for writeback.
 */
async function diskStallMs(base: string): Promise<number> {
  // Beside the shims' ledgers, on their file system (a tmpfs /tmp has no writeback to wait for: then
  // neither build stalls, and the line measures nothing).
  const file = join(home, 'rewritten-by-another-program')
  writeFileSync(file, 'the previous build\n')
  const chunk = new Uint8Array(1024 * 1024).fill(7)
  const fd = openSync(file, 'w') // O_TRUNC, as a build rewriting its output (Bun's own writer does not truncate so)
  for (let mib = 0; mib < 600; mib++) writeSync(fd, chunk)
  closeSync(fd)
  try {
    return await longestGap(base, async () => {})
  } finally {
    rmSync(file, { force: true })
  }
}
const diskStall = { shim: await diskStallMs(shimUrl), baseline: baseline ? await diskStallMs(baseline.url) : null }

/**
 * The longest gap between the chunks of a paced stream (300 deltas, 3 ms apart) while Codex's
 * catalog is asked for the first time (the proxy runs the Codex CLI for it): what one client's
 * work costs another's stream. First, before any route below loads the catalog.
 */
async function streamStallMs(base: string): Promise<number> {
  return longestGap(base, () => Bun.sleep(200).then(() => fetch(`${base}/v1/models?client_version=0.169.0`)).then((answer) => answer.arrayBuffer()))
}
const stall = { shim: await streamStallMs(shimUrl), baseline: baseline ? await streamStallMs(baseline.url) : null }

// ---- routes: the same turn through the shim and directly ------------------------------------

type Target = { url: string; headers: Record<string, string>; body: (prompt: string) => object }
interface Route { name: string; shim: (base: string) => Target; direct: Target; /** Served only by builds with this wave's providers and routing (not the first-wave baseline). */ responses?: boolean }
const json = { 'content-type': 'application/json' }
const chatDirect: Target = { url: `http://127.0.0.1:${chatFake.port}/v1/chat/completions`, headers: json, body: (p) => ({ model: 'm', stream: true, messages: [{ role: 'user', content: p }] }) }
const anthropicDirect: Target = { url: `http://127.0.0.1:${anthropicFake.port}/v1/messages`, headers: { ...json, 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }, body: (p) => ({ model: 'claude-bench', max_tokens: 100, stream: true, messages: [{ role: 'user', content: p }] }) }
const responsesBody = (model: string) => (p: string) => ({ model, stream: true, store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: p }] }] })
const backendDirect: Target = { url: `http://127.0.0.1:${backendFake.port}/backend-api/codex/responses`, headers: json, body: responsesBody('gpt-5.5') }
const responsesDirect: Target = { url: `http://127.0.0.1:${backendFake.port}/v1/responses`, headers: { ...json, authorization: 'Bearer k' }, body: responsesBody('gpt-bench') }
const responsesVia = (model: string) => (base: string): Target => ({ url: `${base}/v1/responses`, headers: { ...json, originator: 'codex_exec' }, body: responsesBody(model) })
const ROUTES: Route[] = [
  { name: 'Responses → ChatGPT passthrough', shim: responsesVia('gpt-5.5'), direct: backendDirect },
  { name: 'Responses → openai-responses (fast)', shim: responsesVia('oai'), direct: responsesDirect, responses: true },
  { name: 'Responses → chat', shim: responsesVia('chat'), direct: chatDirect },
  { name: 'Responses → Anthropic', shim: responsesVia('claude'), direct: anthropicDirect },
  { name: 'Chat → chat (fast path)', shim: (base) => ({ ...chatDirect, url: `${base}/v1/chat/completions`, body: (p) => ({ ...chatDirect.body(p), model: 'chat' }) }), direct: chatDirect },
  { name: 'Messages → Anthropic (fast path)', shim: (base) => ({ ...anthropicDirect, url: `${base}/v1/messages`, body: (p) => ({ ...anthropicDirect.body(p), model: 'claude' }) }), direct: anthropicDirect },
  { name: 'Chat → Anthropic', shim: (base) => ({ url: `${base}/v1/chat/completions`, headers: json, body: (p) => ({ model: 'claude', stream: true, messages: [{ role: 'user', content: p }] }) }), direct: anthropicDirect },
  { name: 'Messages → chat', shim: (base) => ({ url: `${base}/v1/messages`, headers: { ...json, 'anthropic-version': '2023-06-01' }, body: (p) => ({ model: 'chat', max_tokens: 100, stream: true, messages: [{ role: 'user', content: p }] }) }), direct: chatDirect },
  { name: 'Chat → chat, fallbacks unused', shim: (base) => ({ ...chatDirect, url: `${base}/v1/chat/completions`, body: (p) => ({ ...chatDirect.body(p), model: 'chat-fb' }) }), direct: chatDirect, responses: true },
  { name: 'Responses → router (cached) → chat', shim: responsesVia('auto'), direct: chatDirect, responses: true },
  { name: 'Messages → openai-responses', shim: (base) => ({ url: `${base}/v1/messages`, headers: { ...json, 'anthropic-version': '2023-06-01' }, body: (p) => ({ model: 'oai', max_tokens: 100, stream: true, messages: [{ role: 'user', content: p }] }) }), direct: responsesDirect, responses: true },
]
const ROUTE_FILTER = process.env.BENCH_ROUTES ? new RegExp(process.env.BENCH_ROUTES, 'i') : null

interface Sample { ttfb: number; ttft: number; total: number; deltas: number }
const decoder = new TextDecoder()

/** One streamed turn: time to first byte, to the first token ("t0"), and to the end. */
async function turn(target: Target, prompt: string, extra?: string): Promise<Sample> {
  const body = target.body(prompt) as Record<string, unknown>
  if (extra) body.bench_padding = extra // unknown fields survive: a way to send Codex-sized bodies
  const t0 = performance.now()
  const response = await fetch(target.url, { method: 'POST', headers: target.headers, body: JSON.stringify(body) })
  const ttfb = performance.now() - t0
  let ttft = 0
  let deltas = 0
  const reader = response.body!.getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    const text = decoder.decode(value)
    if (!ttft && text.includes('t0 ')) ttft = performance.now() - t0
  }
  if (!response.ok) throw new Error(`${target.url}: HTTP ${response.status}`)
  return { ttfb, ttft, total: performance.now() - t0, deltas }
}

/**
 * The same turns through each target in short batches taken in turns (inTurns). Run one target's
 * 200 turns after another's instead, and the difference between two batches can exceed what the
 * shim adds (the bare pass-through once measured 0.36 ms faster than the direct connection it
 * passes through). Batches rather than single turns: a process that has sat idle while the others
 * ran wakes slower (one turn each in rotation doubled the floor's added time, 0.17 → 0.34 ms), and
 * the shim is measured as it serves an agent's burst of requests, warm.
 */
async function interleaved(targets: Target[], prompt: string, count: number, concurrency: number, extra?: string): Promise<{ samples: Sample[] }[]> {
  const results = targets.map(() => ({ samples: [] as Sample[] }))
  await inTurns(targets.length, count, concurrency === 1 ? 10 : concurrency * 2, async (index, size) => {
    results[index]!.samples.push(...(await run(targets[index]!, prompt, size, Math.min(concurrency, size), extra)).samples)
  })
  return results
}

async function run(target: Target, prompt: string, count: number, concurrency: number, extra?: string): Promise<{ samples: Sample[]; seconds: number }> {
  const samples: Sample[] = []
  let next = 0
  const t0 = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next < count) {
      next++
      samples.push(await turn(target, prompt, extra))
    }
  }))
  return { samples, seconds: (performance.now() - t0) / 1000 }
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0
}
const round = (value: number, digits = 2) => Number(value.toFixed(digits))

const results: Record<string, any> = {}
const quick = process.env.BENCH_QUICK === '1'
const N = quick ? 40 : 200
// CPU per turn is read over more turns than the rates: one block of 200 moved by a third between runs.
const CPU_TURNS = quick ? 200 : 1500
const CPU_BLOCK = quick ? 100 : 250

// The floor: a bare Bun pass-through (one fetch, the body handed back) in its own process, on the
// Chat → chat route only: what any proxy in this runtime adds on this machine.
const floorPort = 20000 + Math.floor(Math.random() * 20000)
const floor = Bun.spawn([process.execPath, '-e', `
  const upstream = ${JSON.stringify(`http://127.0.0.1:${chatFake.port}`)}
  Bun.serve({ hostname: '127.0.0.1', port: ${floorPort}, async fetch(request) {
    const answer = await fetch(upstream + new URL(request.url).pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body: await request.text() })
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.headers.get('content-type') ?? 'text/event-stream' } })
  } })`], { stdout: 'ignore', stderr: 'inherit' })
for (let i = 0; i < 200; i++) {
  if ((await fetch(`http://127.0.0.1:${floorPort}/v1/chat/completions`, { method: 'POST', body: JSON.stringify(chatDirect.body('deltas=1')) }).catch(() => null))?.ok) break
  await Bun.sleep(10)
}

/** The shims measured: this build, and the baseline beside it when given. */
const SHIMS = [
  { label: 'shim', url: shimUrl, pid: shim.pid },
  ...(baseline ? [{ label: 'baseline', url: baseline.url, pid: baseline.child.pid }] : []),
  ...(ledgerOff ? [{ label: 'ledger_off', url: ledgerOff.url, pid: ledgerOff.child.pid }] : []),
  { label: 'floor', url: `http://127.0.0.1:${floorPort}`, pid: floor.pid },
]

const shimsFor = (route: Route) => SHIMS.filter((side) => (side.label === 'floor' ? route.name === 'Chat → chat (fast path)' : side.label !== 'baseline' || !route.responses || process.env.BENCH_BASELINE_RESPONSES === '1'))
const MEASURED = ROUTES.filter((route) => !ROUTE_FILTER || ROUTE_FILTER.test(route.name))

// Every route once through every side before any is measured: the code they share (front door,
// request log, ledger) is then equally warm for all of them. Without it the first route measured
// met a colder JIT than the rest: the ChatGPT row read 1.2-1.4 ms where a probe alternating it
// with the openai-responses fast path found the two 0.1 ms apart.
for (let round = 0; round < (quick ? 1 : 3); round++) {
  for (const route of MEASURED) {
    for (const side of shimsFor(route)) await run(route.shim(side.url), 'deltas=5', 40, 4)
  }
}

for (const route of MEASURED) {
  const shims = shimsFor(route)
  const entry: Record<string, any> = {}
  // Warm every path (connections, JIT) before measuring.
  for (const side of shims) await run(route.shim(side.url), 'deltas=5', 20, 4)
  await run(route.direct, 'deltas=5', 20, 4)
  for (const [label, prompt] of [['instant', 'deltas=20 pace=0'], ['paced', 'deltas=10 pace=2']] as const) {
    for (const concurrency of [1, 16]) {
      const count = label === 'paced' ? Math.min(N, 48) : N
      const [direct, ...sides] = (await interleaved([route.direct, ...shims.map((side) => route.shim(side.url))], prompt, count, concurrency)) as [{ samples: Sample[] }, ...{ samples: Sample[] }[]]
      for (const [index, side] of shims.entries()) {
        const shimmed = sides[index]!
        const added = (metric: 'ttfb' | 'ttft', p: number) => round(percentile(shimmed.samples.map((s) => s[metric]), p) - percentile(direct.samples.map((s) => s[metric]), p), 3)
        const key = side.label === 'shim' ? `${label}_c${concurrency}` : `${side.label}_${label}_c${concurrency}`
        entry[key] = { ttfb_added_ms_p50: added('ttfb', 50), ttfb_added_ms_p99: added('ttfb', 99), ttft_added_ms_p50: added('ttft', 50), ttft_added_ms_p99: added('ttft', 99) }
        // No buffering: on a paced stream the first token must arrive long before the last.
        if (label === 'paced') entry[key].first_token_before_end = shimmed.samples.every((s) => s.ttft < s.total - 10)
      }
    }
  }
  for (const concurrency of [1, 16, 64]) {
    const direct = await run(route.direct, 'deltas=5', N, concurrency)
    for (const side of shims) {
      const shimmed = await run(route.shim(side.url), 'deltas=5', N, concurrency)
      const prefix = side.label === 'shim' ? '' : `${side.label}_`
      entry[`${prefix}rps_c${concurrency}`] = { direct: round(N / direct.seconds, 0), shim: round(N / shimmed.seconds, 0), ratio: round(direct.seconds / shimmed.seconds, 2) }
    }
  }
  // CPU per small turn: every side in blocks taken in turns, CPU_TURNS each, as `bench:cpu` does.
  // The JIT compiler threads' part is told apart: code warming up, which a proxy that has served a
  // while no longer pays (on the Chat fast path here, ~26 µs a turn after 3,000 turns, ~0 after 30,000).
  const cpuUs = await cpuPerRequestUs(shims.map((side) => side.pid), CPU_TURNS, CPU_BLOCK, (index, size) => run(route.shim(shims[index]!.url), 'deltas=5', size, 4))
  for (const [index, side] of shims.entries()) {
    const prefix = side.label === 'shim' ? '' : `${side.label}_`
    entry[`${prefix}cpu_ms_per_request`] = round(cpuUs[index]!.total / 1000, 3)
    entry[`${prefix}cpu_ms_per_request_jit`] = round(cpuUs[index]!.jit / 1000, 3)
  }
  const big = quick ? 2000 : 10000
  // Best of three on each side: one long stream is at the mercy of a single scheduling hiccup.
  const best = async (target: Target) => Math.min(...[await turn(target, `deltas=${big}`), await turn(target, `deltas=${big}`), await turn(target, `deltas=${big}`)].map((s) => s.total))
  const direct = await best(route.direct)
  for (const side of shims) {
    const shimmed = await best(route.shim(side.url))
    entry[side.label === 'shim' ? 'long_stream' : `${side.label}_long_stream`] = { deltas: big, shim_deltas_per_s: round(big / (shimmed / 1000), 0), added_us_per_delta: round(((shimmed - direct) * 1000) / big, 2) }
  }
  results[route.name] = entry
  if (performance.now() - started > limitMs * 0.8) break
}

// Memory: idle after the runs above, then peak under concurrency 64 on a translated route.
await Bun.sleep(500)
const afterLoad = rssSplitKiB(shim.pid)
let peak = 0
const watcher = setInterval(() => (peak = Math.max(peak, rssKiB(shim.pid))), 20)
await run(ROUTES[2]!.shim(shimUrl), 'deltas=50 pace=1', quick ? 128 : 512, 64)
clearInterval(watcher)

// Cost against request size: Codex-sized bodies (30 KB, 300 KB, with an image as a data URL).
const sizes: Record<string, any> = {}
for (const kb of [3, 30, 300]) {
  const padding = `data:image/png;base64,${'A'.repeat(kb * 1024)}`
  const [direct, shimmed] = (await interleaved([ROUTES[2]!.direct, ROUTES[2]!.shim(shimUrl)], 'deltas=5', 30, 1, padding)) as [{ samples: Sample[] }, { samples: Sample[] }]
  sizes[`${kb}KB`] = round(percentile(shimmed.samples.map((s) => s.ttfb), 50) - percentile(direct.samples.map((s) => s.ttfb), 50), 3)
}

const summary = {
  version: JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version,
  shim: command.length === 1 ? 'compiled binary' : 'bun src/cli.ts',
  baseline: baselineBinary ?? null,
  baseline_startup_ms: baseline ? round(baseline.startupMs, 1) : null,
  startup_ms: round(startupMs, 1),
  idle_rss_mib: { fresh: round(fresh.total / 1024, 1), fresh_private: round(fresh.anon / 1024, 1), fresh_file_backed: round(fresh.file / 1024, 1), after_load: round(afterLoad.total / 1024, 1), after_load_private: round(afterLoad.anon / 1024, 1) },
  peak_rss_mib_c64: round(peak / 1024, 1),
  added_ttfb_ms_p50_by_body_size: sizes,
  stream_stall_ms_while_codex_catalog_loads: stall,
  stream_stall_ms_after_600mb_rewritten: diskStall,
  routes: results,
  seconds: round((performance.now() - started) / 1000, 1),
}

// ---- report ------------------------------------------------------------------------------------
const pad = (value: unknown, width: number) => String(value).padStart(width)
console.log(`\ncodex-shim bench (${summary.shim}); added = shim − direct on the same fake upstream\n`)
console.log(`${'route'.padEnd(38)}${pad('+TTFT p50', 11)}${pad('p99', 8)}${pad('+TTFT c16', 11)}${pad('paced', 8)}${pad('rps c16', 9)}${pad('c64', 7)}${pad('µs/delta', 10)}${pad('cpu ms', 8)}${pad('of it jit', 11)}`)
const row = (name: string, r: Record<string, any>, p: string) =>
  console.log(`${name.padEnd(38)}${pad(r[`${p}instant_c1`].ttft_added_ms_p50, 11)}${pad(r[`${p}instant_c1`].ttft_added_ms_p99, 8)}${pad(r[`${p}instant_c16`].ttft_added_ms_p50, 11)}${pad(r[`${p}paced_c1`].ttft_added_ms_p50, 8)}${pad(`${r[`${p}rps_c16`].ratio}×`, 9)}${pad(`${r[`${p}rps_c64`].ratio}×`, 7)}${pad(r[`${p}long_stream`].added_us_per_delta, 10)}${pad(r[`${p}cpu_ms_per_request`], 8)}${pad(r[`${p}cpu_ms_per_request_jit`], 11)}`)
for (const [name, r] of Object.entries(results)) {
  row(name, r, '')
  if (r.baseline_instant_c1) row('  baseline', r, 'baseline_')
  if (r.ledger_off_instant_c1) row('  ledger off', r, 'ledger_off_')
  if (r.floor_instant_c1) row('  bare Bun pass-through (floor)', r, 'floor_')
}
console.log(`\nstartup ${summary.startup_ms} ms · idle RSS fresh ${summary.idle_rss_mib.fresh} MiB (private ${summary.idle_rss_mib.fresh_private}, executable pages ${summary.idle_rss_mib.fresh_file_backed}) · after load ${summary.idle_rss_mib.after_load} MiB (private ${summary.idle_rss_mib.after_load_private}) · peak RSS at c64 ${summary.peak_rss_mib_c64} MiB · added TTFB by body size ${JSON.stringify(sizes)} ms`)
console.log(`longest stall of a paced stream while Codex's catalog first loads (a 300 ms Codex CLI): ${stall.shim} ms${stall.baseline === null ? '' : ` (baseline ${stall.baseline} ms)`}`)
console.log(`longest stall of the first paced stream just after another program rewrote a 600 MB file: ${diskStall.shim} ms${diskStall.baseline === null ? '' : ` (baseline ${diskStall.baseline} ms)`}`)
console.log(JSON.stringify(summary))

clearTimeout(hardStop)
floor.kill()
stop()
process.exit(0)
