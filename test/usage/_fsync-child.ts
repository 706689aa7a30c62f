// Run by the fsync test (test/files/fsync-off-thread.linux.test.ts) under strace:
// a new ledger, rows through its own timer past several checkpoints, then ten
// more rows written by close().
import { writeSync } from 'node:fs'
import { openLedger } from '../../src/usage/ledger.ts'
import { SERVING, SHUTDOWN } from '../support/fsync-trace.ts'
import { makeRow } from './_support.ts'

const [path, rows] = process.argv.slice(2) as [string, string]
writeSync(2, SERVING)
const ledger = openLedger({ path, flushMs: 1, checkpointBytes: 64 * 1024 })
const total = Number(rows)
for (let index = 0; index < total; index++) {
  ledger.append(makeRow({ duration_ms: index }))
  if (index % 100 === 99) await Bun.sleep(5) // several batches, each past the 64 KiB WAL: a checkpoint after each
}
while (ledger.stats().written < total) await Bun.sleep(5)
await Bun.sleep(50) // the last checkpoint on the worker
writeSync(2, SHUTDOWN)
for (let index = total; index < total + 10; index++) ledger.append(makeRow({ duration_ms: index })) // written by close()
ledger.close()
