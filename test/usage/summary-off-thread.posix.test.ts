import { describe, expect, test } from 'bun:test'
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { captureLogger, freshDir, makeRow } from './_support.ts'

// POSIX: the test removes a database the ledger holds open, which Windows refuses.
describe('the summary runs on a worker thread', () => {
  test('the ledger answers an empty summary, with a warning, when its file cannot be read', async () => {
    const path = join(freshDir('off-thread-unreadable'), 'usage.db')
    const { logger, lines } = captureLogger()
    const ledger = openLedger({ path, logger, flushMs: 60_000 })
    ledger.append(makeRow())
    ledger.flush()
    // Its file replaced by a folder under the running proxy: the worker cannot open it.
    for (const file of [path, `${path}-wal`, `${path}-shm`]) rmSync(file, { force: true })
    mkdirSync(path)
    expect((await ledger.summarise({ since: 0, by: 'model' })).rows).toEqual([])
    expect(lines.join('\n')).toContain('Usage ledger could not be read')
    ledger.close()
  })
})
