import { Database } from 'bun:sqlite'
import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { summariseOffThread } from '../../src/usage/off-thread.ts'
import { freshDir, makeRow } from './_support.ts'

const DAY = 86_400_000

describe('the summary runs on a worker thread', () => {
  test('a large window: the event loop keeps turning while SQLite counts, and every row is counted', async () => {
    const path = join(freshDir('off-thread'), 'usage.db')
    const ledger = openLedger({ path, flushMs: 60_000 })
    ledger.append(makeRow({ slug: 'queued', served_model: 'queued', time_ms: Date.now() }))
    expect(ledger.flush()).toBe(1)
    // 100,000 requests over 90 days, written by SQLite itself (what months of a busy proxy leave).
    const db = new Database(path)
    db.query(`WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)
      INSERT INTO requests (time_ms, dialect, slug, provider, served_model, status, duration_ms, ttft_ms, input_tokens, output_tokens, usage_estimated, task_key)
      SELECT ?1 - (i * 77760), 'responses', 'm' || (i % 6), 'p', 'm' || (i % 6), 200, 1000, 100 + i % 900, 9000, 300, 0, 't' || (i % 3000) FROM n`).run(Date.now())
    db.close()
    ledger.append(makeRow({ slug: 'still-queued', served_model: 'still-queued', time_ms: Date.now() }))

    // Run on this thread, the query would hold the event loop from call to answer and no tick could land.
    let ticks = 0
    const timer = setInterval(() => ticks++, 2)
    const summary = await ledger.summarise({ since: Date.now() - 91 * DAY, by: 'day' })
    clearInterval(timer)
    expect(ticks).toBeGreaterThan(0)
    if (summary.by !== 'day') throw new Error('expected a summary by day')
    expect(summary.rows.reduce((sum, row) => sum + row.requests, 0)).toBe(100_002) // the queued row was written first
    expect(summary.rows.some((row) => row.model === 'still-queued')).toBe(true)
    ledger.close()
  })

  test('no ledger yet is no summary; a file that is not one is the reader\'s error', async () => {
    const dir = freshDir('off-thread-errors')
    expect(await summariseOffThread(join(dir, 'absent.db'), { since: 0, by: 'model' })).toBeNull()
    writeFileSync(join(dir, 'garbage.db'), 'this is not an SQLite database, not even close '.repeat(200))
    expect(summariseOffThread(join(dir, 'garbage.db'), { since: 0, by: 'model' })).rejects.toThrow(/Cannot read the usage ledger .*garbage\.db/)
  })
})

describe('summaries at the same time', () => {
  test('run one after another, each with its own answer (one worker at a time)', async () => {
    const path = join(freshDir('off-thread-queue'), 'usage.db')
    const ledger = openLedger({ path, flushMs: 60_000 })
    for (const slug of ['a', 'b', 'b']) ledger.append(makeRow({ slug, served_model: slug, time_ms: Date.now() }))
    ledger.flush()
    const [byModel, byDay, fromAbsent] = await Promise.all([
      summariseOffThread(path, { since: 0, by: 'model' }),
      summariseOffThread(path, { since: 0, by: 'day' }),
      summariseOffThread(join(freshDir('off-thread-queue-none'), 'usage.db'), { since: 0, by: 'model' }),
    ])
    expect(byModel?.by).toBe('model')
    expect(byModel?.rows.map((row) => [('model' in row ? row.model : ''), row.requests])).toEqual([['b', 2], ['a', 1]])
    expect(byDay?.by).toBe('day')
    expect(fromAbsent).toBeNull()
    ledger.close()
  })
})
