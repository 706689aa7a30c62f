// What the usage ledger costs the request path: CPU µs per append() (a push
// onto the in-memory queue), and, separately, the amortised cost per row of
// the batched flush that runs on the timer. Not a test: prints numbers.
//   bun scripts/ledger-cost.ts [rows]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openLedger } from '../src/usage/ledger.ts'
import { rowOf } from '../src/usage/row.ts'

const rows = Number(process.argv[2] ?? 100_000)
const dir = mkdtempSync(join(tmpdir(), 'ledger-cost-'))
const ledger = openLedger({ path: join(dir, 'usage.db'), queueLimit: rows + 1, flushMs: 3_600_000 })
const headers = new Headers({ 'thread-id': '01a1fe35-5528-7dd2-83a8-187941cd8003', 'x-codex-turn-metadata': JSON.stringify({ thread_id: '01a1fe35-5528-7dd2-83a8-187941cd8003', turn_id: '01a1fe35-553b-7ae1-ac40-3709fa0242c4' }) })
const finished = {
  startedAt: Date.now(), durationMs: 1234, ttftMs: 321, dialect: 'responses', slug: 'deepseek', provider: 'deepseek', upstreamHost: 'api.deepseek.com',
  servedModel: 'deepseek-chat', status: 200, errorCode: null, usage: { prompt_tokens: 9000, completion_tokens: 300, prompt_cache_hit_tokens: 8000 }, usageDialect: 'chat',
  bytesIn: 36000, bytesOut: 1200, price: { input: 0.27, cached_input: 0.07, output: 1.1 }, routedBy: null, headers,
} as const

const cpuMicros = () => {
  const usage = process.cpuUsage()
  return usage.user + usage.system
}

// Building the row (normalise, cost, task-key hash) also runs once per request.
let start = cpuMicros()
const built = Array.from({ length: rows }, (_, index) => rowOf({ ...finished, startedAt: finished.startedAt + index }))
const buildMicros = cpuMicros() - start

start = cpuMicros()
for (const row of built) ledger.append(row)
const appendMicros = cpuMicros() - start

start = cpuMicros()
const written = ledger.flush()
const flushMicros = cpuMicros() - start
ledger.close()
rmSync(dir, { recursive: true, force: true })

console.log(`rows: ${rows} (written ${written})`)
console.log(`rowOf():  ${(buildMicros / rows).toFixed(2)} µs CPU per request`)
console.log(`append(): ${(appendMicros / rows).toFixed(3)} µs CPU per request (the only ledger work on the request path)`)
console.log(`flush:    ${(flushMicros / rows).toFixed(2)} µs CPU per row, batched on the timer (${(flushMicros / 1000).toFixed(0)} ms for all ${rows} in one transaction)`)
