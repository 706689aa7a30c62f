import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { statSync } from 'node:fs'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { freshDir, makeRow, storedRows } from './_support.ts'

const sizeOf = (path: string) => {
  try {
    return statSync(path).size
  } catch {
    return 0
  }
}

describe('WAL checkpoints run on a worker', () => {
  test('steady writes through the timer: the database takes the rows while the ledger is open, and the WAL stays bounded', async () => {
    const path = join(freshDir('checkpoint'), 'usage.db')
    const checkpointBytes = 64 * 1024
    const ledger = openLedger({ path, flushMs: 2, checkpointBytes })
    ledger.append(makeRow())
    while (ledger.stats().written < 1) await Bun.sleep(2)
    const startSize = sizeOf(path)
    let walMax = 0
    for (let batch = 0; batch < 150; batch++) {
      for (let i = 0; i < 20; i++) ledger.append(makeRow({ task_key: `t-${batch}-${i}` }))
      await Bun.sleep(2)
      walMax = Math.max(walMax, sizeOf(`${path}-wal`))
    }
    while (ledger.stats().written < 3001) await Bun.sleep(2)
    // SQLite's own checkpoint is off (it would fsync on the proxy's thread); only a worker's moves
    // pages into the database file before close, and the timer's flush waits for it, so the WAL
    // starts over instead of growing.
    expect(sizeOf(path)).toBeGreaterThan(startSize + checkpointBytes)
    expect(walMax).toBeLessThan(8 * checkpointBytes)
    ledger.close()
    const db = new Database(path, { readonly: true })
    expect((db.query('SELECT count(*) AS n FROM requests').get() as { n: number }).n).toBe(3001)
    db.close()
  })

  test('the writer leaves checkpoints to the worker', async () => {
    const path = join(freshDir('checkpoint-off'), 'usage.db')
    const ledger = openLedger({ path, flushMs: 60_000, queueLimit: 40_000, checkpointBytes: Number.MAX_SAFE_INTEGER })
    for (let i = 0; i < 40_000; i++) ledger.append(makeRow({ task_key: `t-${i}` }))
    ledger.flush()
    // 40,000 rows (~6.5 MiB of WAL) are past SQLite's own checkpoint (1000 pages, ~4 MiB): with it on, the WAL would have
    // started over inside the flush. Off, and with no worker due, the WAL holds everything.
    expect(sizeOf(`${path}-wal`)).toBeGreaterThan(4 * 1024 * 1024)
    expect(sizeOf(path)).toBeLessThan(64 * 1024) // no page has been copied into the database yet
    ledger.close()
    expect(sizeOf(`${path}-wal`)).toBe(0) // close checkpoints whatever is left (TRUNCATE)
  })
})

describe('the retention prune runs on a worker', () => {
  test('rows past the retention go while the ledger stays open, and new rows keep landing meanwhile', async () => {
    const path = join(freshDir('prune-worker'), 'usage.db')
    const now = Date.now()
    const seeded = openLedger({ path, retentionDays: 10_000 })
    for (let i = 0; i < 5000; i++) seeded.append(makeRow({ time_ms: now - (100 + (i % 50)) * 86_400_000, slug: 'old' }))
    seeded.append(makeRow({ time_ms: now - 86_400_000, slug: 'recent' }))
    seeded.close()

    const ledger = openLedger({ path, flushMs: 2 })
    ledger.append(makeRow({ time_ms: now, slug: 'new' }))
    while (storedRows(path).some((row) => row.slug === 'old')) await Bun.sleep(5)
    while (ledger.stats().written < 1) await Bun.sleep(2)
    expect(storedRows(path).map((row) => row.slug).sort()).toEqual(['new', 'recent'])
    ledger.close()
  })
})

