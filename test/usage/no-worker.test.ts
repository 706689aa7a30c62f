import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { useWorkerModuleForTests } from '../../src/usage/off-thread.ts'
import { captureLogger, freshDir, makeRow, storedRows } from './_support.ts'

// A platform whose binary names the worker differently than checked here: the ledger must still work.
afterAll(() => useWorkerModuleForTests(null))

describe('a ledger whose worker thread cannot start', () => {
  test('summarises, prunes and checkpoints on its own thread, and says so once', async () => {
    useWorkerModuleForTests(join(freshDir('no-worker-module'), 'missing-worker.ts'))
    const path = join(freshDir('no-worker'), 'usage.db')
    const now = Date.now()
    const seeded = openLedger({ path, retentionDays: 10_000 })
    seeded.append(makeRow({ time_ms: now - 200 * 86_400_000, slug: 'old' }))
    seeded.close()

    const { logger, lines } = captureLogger()
    const ledger = openLedger({ path, flushMs: 60_000, queueLimit: 50_000, logger })
    for (let i = 0; i < 400; i++) ledger.append(makeRow({ time_ms: now, slug: 'new', served_model: 'new', task_key: `t-${i}` }))
    const summary = await ledger.summarise({ since: now - 86_400_000, by: 'model' })
    expect(summary.rows.map((row) => ('model' in row ? [row.model, row.requests] : []))).toEqual([['new', 400]])
    // The prune asked for at open ran here once the worker was found missing.
    while (storedRows(path).some((row) => row.slug === 'old')) await Bun.sleep(5)
    for (let i = 0; i < 400; i++) ledger.append(makeRow({ time_ms: now, slug: 'new', task_key: `u-${i}` }))
    expect(ledger.flush()).toBe(400)
    await ledger.summarise({ since: 0, by: 'day' })
    // SQLite's own checkpoint is back on: 40,000 rows (~6.5 MiB of WAL) reach the database file while it is open.
    const ledgerFileBefore = Bun.file(path).size
    for (let i = 0; i < 40_000; i++) ledger.append(makeRow({ time_ms: now, slug: 'bulk', task_key: `v-${i}` }))
    while (ledger.stats().queued) ledger.flush()
    expect(Bun.file(path).size).toBeGreaterThan(ledgerFileBefore + 4 * 1024 * 1024)
    const warnings = lines.filter((line) => line.includes("worker thread did not start"))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain("run on the proxy's thread")
    ledger.close()
    expect(storedRows(path).filter((row) => row.slug === 'new')).toHaveLength(800)
  })
})
