import { Database } from 'bun:sqlite'
import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openLedger, readSummary } from '../../src/usage/ledger.ts'
import { usageApi } from '../../src/usage/api.ts'
import { rowOf } from '../../src/usage/row.ts'
import { captureLogger, freshDir, makeRow, storedRows } from './_support.ts'
import { expectMode } from '../support/file-mode.ts'

const DAY = 86_400_000
const envBefore = { ...process.env }
afterEach(() => {
  for (const name of ['CODEX_SHIM_USAGE', 'CODEX_SHIM_USAGE_RETENTION_DAYS']) {
    if (envBefore[name] === undefined) delete process.env[name]
    else process.env[name] = envBefore[name]
  }
})

describe('append → flush → rows', () => {
  test('token figures, cached and reasoning tokens, failures and aborts are stored exactly as given', () => {
    const path = join(freshDir('exact'), 'usage.db')
    const ledger = openLedger({ path })
    const rows = [
      makeRow({ input_tokens: 12345, cached_input_tokens: 10240, cache_write_tokens: 512, output_tokens: 678, reasoning_tokens: 321, cost_usd: 0.0123 }),
      makeRow({ status: 502, error_code: 'upstream_http', ttft_ms: null, input_tokens: null, cached_input_tokens: null, output_tokens: null, reasoning_tokens: null, cost_usd: 0 }),
      makeRow({ status: 499, error_code: 'client_closed', duration_ms: 4000, output_tokens: 17, routed_by: 'router', served_model: 'deepseek-reasoner' }),
      makeRow({ dialect: 'messages', usage_estimated: true, input_tokens: 250, cached_input_tokens: null, cost_usd: null, task_key: null, routed_by: 'fallback' }),
    ]
    for (const row of rows) ledger.append(row)
    expect(storedRows(path)).toEqual([]) // append never writes on the caller's path
    expect(ledger.flush()).toBe(4)
    expect(storedRows(path)).toEqual(rows)
    expect(ledger.stats()).toEqual({ queued: 0, dropped: 0, written: 4 })
    ledger.close()
  })

  test('the timer flushes on its own, and close() writes what is left', async () => {
    const path = join(freshDir('timer'), 'usage.db')
    const ledger = openLedger({ path, flushMs: 5 })
    ledger.append(makeRow({ slug: 'first' }))
    while (ledger.stats().written < 1) await Bun.sleep(5)
    expect(storedRows(path).map((row) => row.slug)).toEqual(['first'])
    const late = openLedger({ path, flushMs: 60_000 })
    late.append(makeRow({ slug: 'at-close' }))
    late.close()
    ledger.close()
    expect(storedRows(path).map((row) => row.slug)).toEqual(['first', 'at-close'])
  })

  test('500 concurrent appends from async producers leave exactly 500 rows', async () => {
    const path = join(freshDir('concurrent'), 'usage.db')
    const ledger = openLedger({ path, flushMs: 1 })
    await Promise.all(
      Array.from({ length: 500 }, async (_, index) => {
        await Bun.sleep(index % 7)
        await Promise.resolve()
        ledger.append(makeRow({ slug: `p${index}`, duration_ms: index }))
      }),
    )
    ledger.close()
    const stored = storedRows(path)
    expect(stored.length).toBe(500)
    expect(new Set(stored.map((row) => row.slug)).size).toBe(500)
  })

  test('a backlog is written in bounded batches, the rest on the next turns of the event loop', async () => {
    const path = join(freshDir('backlog'), 'usage.db')
    const ledger = openLedger({ path, flushMs: 60_000 })
    for (let index = 0; index < 2500; index++) ledger.append(makeRow({ duration_ms: index }))
    expect(ledger.flush(1000)).toBe(1000)
    expect(ledger.stats()).toMatchObject({ queued: 1500, written: 1000 })
    expect(ledger.flush(1000)).toBe(1000)
    // A full batch leaves the remainder to a zero-delay timer, not to the next 60 s tick.
    while (ledger.stats().written < 2500) await Bun.sleep(1)
    expect(storedRows(path).map((row) => row.duration_ms)).toEqual(Array.from({ length: 2500 }, (_, index) => index))
    ledger.close()
  })

  test('a full queue drops new rows and says how many, once per flush', () => {
    const path = join(freshDir('full'), 'usage.db')
    const { logger, lines } = captureLogger()
    const ledger = openLedger({ path, queueLimit: 5, flushMs: 60_000, logger })
    for (let index = 0; index < 8; index++) ledger.append(makeRow({ slug: `q${index}` }))
    expect(ledger.flush()).toBe(5)
    expect(ledger.stats()).toMatchObject({ dropped: 3, written: 5 })
    expect(lines.filter((line) => line.includes('dropped'))).toEqual(['warn Usage ledger dropped 3 rows: more than 5 were waiting to be written.'])
    expect(storedRows(path).map((row) => row.slug)).toEqual(['q0', 'q1', 'q2', 'q3', 'q4'])
    ledger.close()
  })

  test('the file and its WAL are private (0600)', () => {
    const path = join(freshDir('mode'), 'usage.db')
    const ledger = openLedger({ path })
    ledger.append(makeRow())
    ledger.flush()
    expectMode(path, 0o600)
    expectMode(`${path}-wal`, 0o600)
    ledger.close()
  })

  test('a database that cannot be opened turns it off, and it says so (enabled: false), not an empty working ledger', async () => {
    // Its folder is a file: nothing can be created there.
    const blocker = join(freshDir('unopenable'), 'not-a-folder')
    writeFileSync(blocker, 'x')
    const { logger, lines } = captureLogger()
    const ledger = openLedger({ path: join(blocker, 'usage.db'), logger })
    expect(ledger.enabled).toBe(false)
    ledger.append(makeRow())
    expect(ledger.flush()).toBe(0)
    expect(lines.join('\n')).toContain('Usage ledger is off')
    const answer = await ((await usageApi(ledger, new URL('http://127.0.0.1/api/usage'))).json() as Promise<any>)
    expect(answer).toMatchObject({ enabled: false, rows: [] })
    ledger.close()
  })

  test('CODEX_SHIM_USAGE=0 turns it off: same interface, no file', async () => {
    process.env.CODEX_SHIM_USAGE = '0'
    const path = join(freshDir('off'), 'usage.db')
    const ledger = openLedger({ path })
    ledger.append(makeRow())
    expect(ledger.flush()).toBe(0)
    expect(ledger.enabled).toBe(false)
    expect((await ledger.summarise({ since: 0, by: 'model' })).rows).toEqual([])
    ledger.close()
    expect(existsSync(path)).toBe(false)
  })
})

describe('retention', () => {
  const now = Date.UTC(2026, 4, 20)
  const seed = (path: string) => {
    const ledger = openLedger({ path, retentionDays: 10_000, now: () => now })
    for (const age of [120, 91, 45, 1]) ledger.append(makeRow({ time_ms: now - age * DAY, slug: `age-${age}` }))
    ledger.close()
  }

  /** Opens a ledger and closes it once its prune (on the worker) has run. */
  const openUntilPruned = async (path: string, options: Parameters<typeof openLedger>[0] = {}) => {
    const ledger = openLedger({ path, now: () => now, ...options })
    while (storedRows(path).length === 4) await Bun.sleep(2)
    ledger.close()
  }

  test('rows older than 90 days are deleted when the ledger opens', async () => {
    const path = join(freshDir('retention'), 'usage.db')
    seed(path)
    await openUntilPruned(path)
    expect(storedRows(path).map((row) => row.slug)).toEqual(['age-45', 'age-1'])
  })

  test('CODEX_SHIM_USAGE_RETENTION_DAYS sets the window; a bad value keeps 90 with a warning', async () => {
    const path = join(freshDir('retention-env'), 'usage.db')
    seed(path)
    process.env.CODEX_SHIM_USAGE_RETENTION_DAYS = 'lots'
    const { logger, lines } = captureLogger()
    await openUntilPruned(path, { logger })
    expect(lines.some((line) => line.includes('CODEX_SHIM_USAGE_RETENTION_DAYS expects a number of days above 0'))).toBe(true)
    expect(storedRows(path).map((row) => row.slug)).toEqual(['age-45', 'age-1'])
    process.env.CODEX_SHIM_USAGE_RETENTION_DAYS = '30'
    const ledger = openLedger({ path, now: () => now })
    while (storedRows(path).length > 1) await Bun.sleep(2)
    ledger.close()
    expect(storedRows(path).map((row) => row.slug)).toEqual(['age-1'])
  })

})

describe('damage', () => {
  test('a corrupt file is moved aside at open with a warning, and a new ledger works', () => {
    const dir = freshDir('corrupt')
    const path = join(dir, 'usage.db')
    const garbage = 'not a database at all '.repeat(500)
    writeFileSync(path, garbage)
    const { logger, lines } = captureLogger()
    const ledger = openLedger({ path, logger, now: () => 1234 })
    ledger.append(makeRow({ slug: 'after-corruption' }))
    expect(ledger.flush()).toBe(1)
    ledger.close()
    expect(readFileSync(join(dir, 'usage.db.corrupt-1234'), 'utf8')).toBe(garbage)
    expect(lines.some((line) => line.startsWith('warn') && line.includes('SQLITE_NOTADB') && line.includes('usage.db.corrupt-1234'))).toBe(true)
    expect(storedRows(path).map((row) => row.slug)).toEqual(['after-corruption'])
  })

  test('a file damaged while open: the write fails, the file is moved aside, the batch lands in a new one', () => {
    const dir = freshDir('corrupt-live')
    const path = join(dir, 'usage.db')
    const ledger = openLedger({ path, logger: captureLogger().logger, now: () => 5678 })
    ledger.append(makeRow({ slug: 'before' }))
    ledger.flush()
    ledger.close()
    const reopened = openLedger({ path, logger: captureLogger().logger, now: () => 5678 })
    writeFileSync(path, Buffer.alloc(statSync(path).size, 0x41)) // someone overwrote it
    reopened.append(makeRow({ slug: 'during' }))
    expect(() => reopened.flush()).not.toThrow()
    reopened.close()
    expect(readdirSync(dir).some((name) => name.startsWith('usage.db.corrupt-5678'))).toBe(true)
    expect(storedRows(path).map((row) => row.slug)).toEqual(['during'])
  })

  test('a locked database (WAL, another writer in an exclusive transaction): rows wait, nothing throws, then they land', () => {
    const path = join(freshDir('locked'), 'usage.db')
    openLedger({ path }).close() // a ledger file in WAL mode
    const other = new Database(path)
    other.exec('BEGIN EXCLUSIVE')
    other.exec(`INSERT INTO requests (time_ms, dialect, slug, provider, status, duration_ms) VALUES (${Date.now()}, 'chat', 'other', 'x', 200, 1)`)
    const { logger, lines } = captureLogger()
    const ledger = openLedger({ path, logger, flushMs: 60_000 })
    ledger.append(makeRow({ slug: 'waiting' }))
    expect(ledger.flush()).toBe(0)
    expect(ledger.stats()).toMatchObject({ queued: 1, dropped: 0 })
    expect(lines.some((line) => line.includes('is locked by another program; rows wait in memory'))).toBe(true)
    other.exec('COMMIT')
    other.close()
    expect(ledger.flush()).toBe(1)
    ledger.close()
    expect(storedRows(path).map((row) => row.slug)).toEqual(['other', 'waiting'])
  })

  test('locked before it is even a ledger (rollback journal, exclusive lock): set-up waits, then works', async () => {
    const path = join(freshDir('locked-open'), 'usage.db')
    const other = new Database(path)
    other.exec('CREATE TABLE unrelated (x)')
    other.exec('BEGIN EXCLUSIVE')
    other.exec('INSERT INTO unrelated VALUES (1)')
    const ledger = openLedger({ path, logger: captureLogger().logger, flushMs: 60_000 })
    ledger.append(makeRow({ slug: 'queued-while-locked' }))
    expect(() => ledger.flush()).not.toThrow()
    expect((await ledger.summarise({ since: 0, by: 'model' })).rows).toEqual([])
    other.exec('COMMIT')
    other.close()
    expect(ledger.flush()).toBe(1)
    ledger.close()
    expect(storedRows(path).map((row) => row.slug)).toEqual(['queued-while-locked'])
  })

  test('a path that cannot be a file: the ledger is off with a warning, append and flush still never throw', () => {
    const dir = freshDir('not-a-file')
    const { logger, lines } = captureLogger()
    const ledger = openLedger({ path: dir, logger })
    for (let index = 0; index < 20; index++) ledger.append(makeRow())
    expect(ledger.flush()).toBe(0)
    expect(ledger.stats()).toEqual({ queued: 0, dropped: 0, written: 0 }) // nothing piles up in memory
    ledger.close()
    expect(lines.filter((line) => line.startsWith('warn'))).toHaveLength(1)
    expect(lines[0]).toStartWith('warn Usage ledger is off')
  })
})

test('no secrets: a planted key and prompt never reach the row, the database file or the log', () => {
  const key = 'sk-live-PLANTEDKEY0123456789abcdef'
  const prompt = 'PLANTED-PROMPT please refactor the billing module'
  const path = join(freshDir('secrets'), 'usage.db')
  const { logger, lines } = captureLogger()
  const ledger = openLedger({ path, logger })
  const headers = new Headers({ authorization: `Bearer ${key}`, 'x-api-key': key, 'thread-id': 'thread-with-secret' })
  const row = rowOf({
    startedAt: Date.now(),
    durationMs: 10,
    ttftMs: 5,
    dialect: 'chat',
    slug: 'deepseek-chat',
    provider: 'deepseek',
    upstreamHost: 'api.deepseek.com',
    servedModel: 'deepseek-chat',
    status: 200,
    errorCode: null,
    usage: null,
    bytesIn: prompt.length,
    bytesOut: 12,
    routedBy: null,
    headers,
    firstUserText: prompt,
  })
  expect(JSON.stringify(row)).not.toContain('PLANTED')
  ledger.append(row)
  ledger.close() // flushes and checkpoints the WAL into the file
  const bytes = [path, `${path}-wal`].filter(existsSync).map((file) => readFileSync(file).toString('latin1')).join('')
  expect(bytes).toContain('deepseek-chat')
  expect(bytes).not.toContain('PLANTEDKEY')
  expect(bytes).not.toContain('PLANTED-PROMPT')
  expect(bytes).not.toContain('thread-with-secret')
  expect(lines.join('\n')).not.toContain('PLANTED')
})

test('readSummary reads a ledger the proxy has open, read-only, and is null without one', () => {
  const path = join(freshDir('reader'), 'usage.db')
  expect(readSummary(path, { since: 0, by: 'model' })).toBeNull()
  const ledger = openLedger({ path })
  ledger.append(makeRow())
  ledger.flush()
  expect(readSummary(path, { since: 0, by: 'model' })?.rows).toHaveLength(1)
  ledger.close()
  writeFileSync(path, 'garbage '.repeat(100))
  expect(() => readSummary(path, { since: 0, by: 'model' })).toThrow(/Cannot read the usage ledger .* \(SQLITE_NOTADB\): the proxy moves a damaged ledger aside/)
})
