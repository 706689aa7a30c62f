// Run by crash.test.ts: appends rows continuously into a ledger that flushes
// every 250 ms, and prints `flushed <total>` after each flush it sees. After
// each flush it appends at most BATCH more rows, in small chunks, so no more
// than one batch is ever waiting in memory. The count appended so far is
// written to a file after every chunk: that file outlives a kill -9.
import { writeFileSync } from 'node:fs'
import { openLedger } from '../../src/usage/ledger.ts'

const [path, counterPath, batch] = process.argv.slice(2) as [string, string, string]
const BATCH = Number(batch)
const CHUNK = 20
const ledger = openLedger({ path, flushMs: 250 })
let appended = 0
let producing = false
let seen = 0

function produce(): void {
  producing = true
  let left = BATCH
  const chunk = () => {
    for (let index = 0; index < CHUNK && left > 0; index++, left--) {
      appended++
      // duration_ms carries the sequence number so the test can check there are no gaps.
      ledger.append({ time_ms: Date.now(), dialect: 'responses', slug: 'crash', provider: 'p', upstream_host: null, served_model: null, status: 200, error_code: null, duration_ms: appended, ttft_ms: null, input_tokens: 1, cached_input_tokens: 0, cache_write_tokens: null, output_tokens: 1, reasoning_tokens: null, usage_estimated: false, cost_usd: null, task_key: null, routed_by: null })
    }
    writeFileSync(counterPath, String(appended))
    if (left > 0) setTimeout(chunk, 2)
    else producing = false
  }
  chunk()
}

produce()
setInterval(() => {
  const { written } = ledger.stats()
  if (written === seen) return
  seen = written
  console.log(`flushed ${written}`)
  if (!producing) produce()
}, 5)
