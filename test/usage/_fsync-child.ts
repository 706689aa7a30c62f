// Run by the fsync test (test/files/fsync-off-thread.linux.test.ts) under strace.
// `serve`: a new ledger, rows through its own timer past several checkpoints,
// then ten more rows written by close(). `locked`: another connection holds the
// database locked from before the ledger opens until just before close(), so
// close() sets the ledger up. `reader`: a reader holds a snapshot while the
// worker checkpoints (the WAL copied but not emptied), then the ledger writes
// again, restarting the WAL over its old frames. `prune`: the retention prune on
// the worker deletes enough rows that its connection checkpoints on the way.
import { Database } from 'bun:sqlite'
import { writeSync } from 'node:fs'
import { openLedger } from '../../src/usage/ledger.ts'
import { SERVING, SHUTDOWN } from '../support/fsync-trace.ts'
import { makeRow } from './_support.ts'

const [path, rows, mode = 'serve'] = process.argv.slice(2) as [string, string, string?]
const total = Number(rows)

if (mode === 'serve') {
  writeSync(2, SERVING)
  const ledger = openLedger({ path, flushMs: 1, checkpointBytes: 64 * 1024 })
  for (let index = 0; index < total; index++) {
    ledger.append(makeRow({ duration_ms: index }))
    if (index % 100 === 99) await Bun.sleep(5) // several batches, each past the 64 KiB WAL: a checkpoint after each
  }
  while (ledger.stats().written < total) await Bun.sleep(5)
  await Bun.sleep(50) // the last checkpoint on the worker
  writeSync(2, SHUTDOWN)
  for (let index = total; index < total + 10; index++) ledger.append(makeRow({ duration_ms: index })) // written by close()
  ledger.close()
} else if (mode === 'locked') {
  const other = new Database(path, { create: true })
  other.exec('BEGIN EXCLUSIVE')
  writeSync(2, SERVING)
  const ledger = openLedger({ path, flushMs: 5 })
  for (let index = 0; index < total; index++) ledger.append(makeRow({ duration_ms: index }))
  await Bun.sleep(50) // flushes meet the lock: the rows wait in memory
  other.exec('COMMIT')
  other.close()
  writeSync(2, SHUTDOWN) // in the same turn as close(): no flush of the ledger's own comes between
  ledger.close()
} else if (mode === 'reader') {
  writeSync(2, SERVING)
  const ledger = openLedger({ path, flushMs: 60_000, checkpointBytes: 64 * 1024 })
  await Bun.sleep(200) // the prune it runs as it opens (nothing to delete) finishes first
  for (let index = 0; index < total; index++) ledger.append(makeRow({ duration_ms: index }))
  ledger.flush() // past 64 KiB: a checkpoint starts on the worker, which takes milliseconds to start
  const reader = new Database(path, { readonly: true })
  reader.exec('BEGIN')
  reader.query('SELECT count(*) FROM requests').get() // a snapshot of every frame: copied, but not emptied
  await Bun.sleep(1_300) // past the worker's 1 s busy timeout: the checkpoint gives up on emptying the WAL
  reader.exec('COMMIT')
  reader.close()
  ledger.append(makeRow({ duration_ms: total }))
  ledger.flush() // restarts the WAL over its old frames
  writeSync(2, SHUTDOWN)
  ledger.close()
} else if (mode === 'prune') {
  // Rows past the retention, enough that the prune's own connection checkpoints on the way (1,000 pages).
  const seeded = openLedger({ path, retentionDays: 100_000, flushMs: 60_000 })
  for (let index = 0; index < total; index++) seeded.append(makeRow({ time_ms: Date.now() - 200 * 86_400_000, duration_ms: index }))
  seeded.close()
  writeSync(2, SERVING)
  const ledger = openLedger({ path, retentionDays: 90, flushMs: 60_000 }) // prunes on the worker as it opens
  await ledger.summarise({ since: 0, by: 'day' }) // waits for the worker's writes (the prune) first; only reads
  console.log(JSON.stringify({ walAfterPrune: Bun.file(`${path}-wal`).size }))
  ledger.append(makeRow({ duration_ms: total }))
  ledger.flush() // the first write after the prune
  writeSync(2, SHUTDOWN)
  ledger.close()
} else throw new Error(`unknown mode ${mode}`)
