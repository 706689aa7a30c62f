/**
 * What the ledger does off the proxy's thread (off-thread.ts), one job per
 * message, each on a connection of its own: summaries for `GET /api/usage`
 * (a busy gateway's 90 days is seconds of SQLite), WAL checkpoints (an fsync:
 * tens of ms on a slow disk) and the retention prune (after a long break or a
 * shorter retention, many rows). Here none of them stops a stream.
 */
import { Database } from 'bun:sqlite'
import { readSummary } from './ledger.ts'
import type { SummaryQuery } from './summarise.ts'

declare const self: Worker

export type LedgerJob =
  | { kind: 'summary'; path: string; query: SummaryQuery }
  | { kind: 'checkpoint'; path: string }
  | { kind: 'prune'; path: string; before: number }

/**
 * Copies the WAL into the database and empties it (TRUNCATE): the writer's flushes wait meanwhile
 * (ledger.ts), and the WAL's size on disk then says again how much it holds, which is how the next
 * checkpoint is timed.
 */
function checkpoint(path: string): { busy: boolean } {
  return withWriter(path, truncateWal)
}

/** The job's own connection to the ledger, which waits up to 1 s for the proxy's writes. */
function withWriter<T>(path: string, job: (db: Database) => T): T {
  const db = new Database(path, { readwrite: true, create: false })
  try {
    db.exec('PRAGMA busy_timeout = 1000')
    return job(db)
  } finally {
    db.close()
  }
}

// A reader holding an old snapshot (`codex-shim usage` mid-query) keeps the WAL from emptying.
function truncateWal(db: Database): { busy: boolean } {
  const result = db.query('PRAGMA wal_checkpoint(TRUNCATE)').get() as { busy: number } | null
  return { busy: Boolean(result?.busy) }
}

const PRUNE_BATCH = 5_000

/**
 * Deletes the rows that started before `before` (the retention), in batches
 * of PRUNE_BATCH, each its own transaction with a pause after it: after a long
 * break or a shorter retention there can be millions, and the proxy's own
 * writes (at shutdown, its last batch) get the lock between two batches.
 */
function prune(path: string, before: number): { busy: boolean } {
  return withWriter(path, (db) => {
    const batch = db.query(`DELETE FROM requests WHERE rowid IN (SELECT rowid FROM requests WHERE time_ms < ? LIMIT ${PRUNE_BATCH})`)
    while (batch.run(before).changes === PRUNE_BATCH) Bun.sleepSync(2)
    // SQLite's own checkpoints along the way copied the WAL without emptying it (the proxy's flushes
    // wait for this job meanwhile); this one empties it.
    return truncateWal(db)
  })
}

function run(job: LedgerJob): unknown {
  switch (job.kind) {
    case 'summary':
      return readSummary(job.path, job.query)
    case 'checkpoint':
      return checkpoint(job.path)
    case 'prune':
      return prune(job.path, job.before)
    default: {
      const unknown: never = job
      throw new Error(`unknown ledger job ${JSON.stringify(unknown)}`)
    }
  }
}

self.onmessage = (event: MessageEvent<LedgerJob>) => {
  try {
    self.postMessage({ result: run(event.data) })
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? error.message : String(error) })
  }
}
