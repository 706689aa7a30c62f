import { expect, test } from 'bun:test'
import type { Database } from 'bun:sqlite'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { captureLogger, freshDir, makeRow, storedRows } from './_support.ts'

// A full disk (SQLITE_FULL) dropped every batch that met it, for good, with a warning per flush (four a
// second under load, into a log on the same full disk). Room made a moment later came too late for them:
// the rows wait in memory (bounded by the queue) and are written once there is room, as when locked.
test('rows that meet a full disk wait in memory and are written once there is room', async () => {
  const path = join(freshDir('disk-full'), 'usage.db')
  const { logger, lines } = captureLogger()
  const ledger = openLedger({ path, logger, flushMs: 60_000 })
  ledger.append(makeRow({ slug: 'before' }))
  await ledger.flushed()
  // The ledger's own connection, capped at the pages it has: the next write that needs a page fails as on a full disk.
  const db = (ledger as unknown as { db: Database }).db
  const { page_count } = db.query('PRAGMA page_count').get() as { page_count: number }
  db.exec(`PRAGMA max_page_count = ${page_count}`)
  for (let index = 0; index < 2000; index++) ledger.append(makeRow({ slug: 'during', error_code: 'x'.repeat(150) }))
  ledger.flush()
  expect(ledger.stats().dropped).toBe(0)
  expect(ledger.stats().queued).toBe(2000)
  db.exec('PRAGMA max_page_count = 1073741823')
  ledger.flush()
  expect(storedRows(path).length).toBe(2001)
  expect(ledger.stats()).toMatchObject({ queued: 0, dropped: 0, written: 2001 })
  expect(lines.filter((line) => line.startsWith('warn')).length).toBeLessThanOrEqual(1)
  ledger.close()
})
