#!/usr/bin/env bun
/**
 * `npm run soak`: many concurrent paced streams through the translated routes
 * for a bounded time (SOAK_SECONDS, default 120; SOAK_CONCURRENCY, default
 * 200; SOAK_ROUNDS of load and settle, default 1, to tell a leak from a warm heap). Every stream is checksummed: its numbered deltas must arrive exactly
 * once and in order. Afterwards the shim's RSS and open file descriptors are
 * sampled for SOAK_SETTLE_SECONDS (default 40) and compared with their
 * baseline. Loopback only; stops by itself.
 */
import { openFds, rssKiB, rssSplitKiB, shimSockets, startHarness } from './_harness.ts'

const seconds = Number(process.env.SOAK_SECONDS ?? 120)
const settleSeconds = Number(process.env.SOAK_SETTLE_SECONDS ?? 40)
const concurrency = Number(process.env.SOAK_CONCURRENCY ?? 200)
const DELTAS = 40
const PACE = 20 // ms between deltas: each stream lasts about 0.8 s
const hardStop = setTimeout(() => {
  console.error('soak: hard time limit reached')
  process.exit(2)
}, (Math.max(1, Number(process.env.SOAK_ROUNDS ?? 1)) * (seconds + settleSeconds) + 120) * 1000)

// The shim closes idle client connections after this long; 10 s (not the default 120) lets the
// settle window show the file descriptors coming back.
process.env.CODEX_SHIM_CONNECTION_IDLE_SECONDS ??= '10'
const { shim, shimUrl, shimPort, stop } = await startHarness()
const json = { 'content-type': 'application/json' }
const prompt = `deltas=${DELTAS} pace=${PACE}`
const expected = Array.from({ length: DELTAS }, (_, i) => `t${i} `).join('')

/** Each route: the request, and how to pull delta text out of one SSE data payload. */
const ROUTES = [
  { name: 'Responses → chat', url: `${shimUrl}/v1/responses`, headers: { ...json, originator: 'codex_exec' }, body: { model: 'chat', stream: true, input: prompt }, delta: (e: any) => (e.type === 'response.output_text.delta' ? e.delta : '') },
  { name: 'Responses → Anthropic', url: `${shimUrl}/v1/responses`, headers: { ...json, originator: 'codex_exec' }, body: { model: 'claude', stream: true, input: prompt }, delta: (e: any) => (e.type === 'response.output_text.delta' ? e.delta : '') },
  { name: 'Chat → Anthropic', url: `${shimUrl}/v1/chat/completions`, headers: json, body: { model: 'claude', stream: true, messages: [{ role: 'user', content: prompt }] }, delta: (e: any) => e.choices?.[0]?.delta?.content ?? '' },
  { name: 'Messages → chat', url: `${shimUrl}/v1/messages`, headers: { ...json, 'anthropic-version': '2023-06-01' }, body: { model: 'chat', max_tokens: 100, stream: true, messages: [{ role: 'user', content: prompt }] }, delta: (e: any) => (e.type === 'content_block_delta' && e.delta?.type === 'text_delta' ? e.delta.text : '') },
]

async function stream(route: (typeof ROUTES)[number]): Promise<'ok' | 'mismatch' | 'error'> {
  try {
    const response = await fetch(route.url, { method: 'POST', headers: route.headers, body: JSON.stringify(route.body) })
    if (!response.ok) return 'error'
    const text = await response.text()
    let received = ''
    for (const line of text.split('\n')) {
      if (!line.startsWith('data: ') || line === 'data: [DONE]') continue
      received += route.delta(JSON.parse(line.slice(6)))
    }
    return received === expected ? 'ok' : 'mismatch'
  } catch {
    return 'error'
  }
}

// Warm up, then take the baseline.
await Promise.all(ROUTES.map((route) => stream(route)))
await Bun.sleep(1000)
Bun.gc?.(true)
const baselineSplit = rssSplitKiB(shim.pid)
const baseline = { rss: baselineSplit.total, anon: baselineSplit.anon, fds: openFds(shim.pid) }

const rounds = Math.max(1, Number(process.env.SOAK_ROUNDS ?? 1))
const counts = { ok: 0, mismatch: 0, error: 0 }
const perRoute = Object.fromEntries(ROUTES.map((route) => [route.name, 0]))
let peak = 0
const settle: { round: number; s: number; rss_mib: number; anon_mib: number; fds: number; sockets: ReturnType<typeof shimSockets> }[] = []
for (let round = 1; round <= rounds; round++) {
  const watcher = setInterval(() => (peak = Math.max(peak, rssKiB(shim.pid))), 250)
  const deadline = performance.now() + seconds * 1000
  let n = 0
  await Promise.all(Array.from({ length: concurrency }, async (_, worker) => {
    while (performance.now() < deadline) {
      const route = ROUTES[(worker + n++) % ROUTES.length]!
      counts[await stream(route)]++
      perRoute[route.name]!++
    }
  }))
  clearInterval(watcher)

  // Let the shim settle, then compare with the baseline. The client's keep-alive pool
  // is what a real agent leaves open too; the shim closes idle connections itself.
  const settleStart = performance.now()
  for (let elapsed = 0; elapsed <= settleSeconds; elapsed += 5) {
    await Bun.sleep(Math.max(0, settleStart + elapsed * 1000 - performance.now()))
    const split = rssSplitKiB(shim.pid)
    settle.push({ round, s: elapsed, rss_mib: +(split.total / 1024).toFixed(1), anon_mib: +(split.anon / 1024).toFixed(1), fds: openFds(shim.pid), sockets: shimSockets(shim.pid, shimPort) })
  }
}
const afterSplit = rssSplitKiB(shim.pid)
const after = { rss: afterSplit.total, anon: afterSplit.anon, fds: openFds(shim.pid) }
const summary = {
  seconds,
  rounds,
  concurrency,
  streams: counts.ok + counts.mismatch + counts.error,
  ok: counts.ok,
  dropped_or_duplicated: counts.mismatch,
  errors: counts.error,
  per_route: perRoute,
  rss_mib: { baseline: +(baseline.rss / 1024).toFixed(1), peak: +(peak / 1024).toFixed(1), after: +(after.rss / 1024).toFixed(1) },
  private_mib: { baseline: +(baseline.anon / 1024).toFixed(1), after: +(after.anon / 1024).toFixed(1) },
  open_fds: { baseline: baseline.fds, after: after.fds },
  settle,
}
console.log(`soak: ${summary.streams} streams over ${seconds} s at concurrency ${concurrency}: ${counts.ok} ok, ${counts.mismatch} dropped/duplicated, ${counts.error} errors`)
console.log(`RSS baseline ${summary.rss_mib.baseline} MiB, peak ${summary.rss_mib.peak} MiB, after ${settleSeconds} s idle ${summary.rss_mib.after} MiB (private ${summary.private_mib.baseline} → ${summary.private_mib.after} MiB); open fds ${baseline.fds} → ${after.fds}`)
for (const point of settle) console.log(`  round ${point.round} +${point.s}s idle: RSS ${point.rss_mib} MiB (private ${point.anon_mib}), fds ${point.fds}${point.sockets ? ` (${point.sockets.fromClients} client connections, ${point.sockets.toUpstreams} upstream)` : ''}`)
console.log(JSON.stringify(summary))
clearTimeout(hardStop)
stop()
process.exit(counts.mismatch || counts.error ? 1 : 0)
