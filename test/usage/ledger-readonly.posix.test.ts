/**
 * `codex-shim usage` reads an intact ledger in a folder it may not write (a read-only home, another
 * user's): a WAL reader must make a -shm file beside the database, which failed there with
 * SQLITE_READONLY_DIRECTORY. The reader runs as a user the folder refuses (root's permissions are
 * not checked, so as root the test reads as nobody).
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Database } from 'bun:sqlite'
import { createSchema, INSERT_SQL, toParams } from '../../src/usage/schema.ts'
import { makeRow } from './_support.ts'

const child = join(import.meta.dir, '_read-summary-child.ts')
const asRoot = process.getuid?.() === 0
const nobody = asRoot && Bun.which('setpriv') ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : asRoot ? null : []
// Not the test root (private to this user): the unprivileged reader must reach the folder.
const base = mkdtempSync(join(tmpdir(), 'codex-shim-readonly-'))
chmodSync(base, 0o755)
afterAll(() => {
  chmodSync(join(base, 'home'), 0o755)
  rmSync(base, { recursive: true, force: true })
})

/** A WAL-mode ledger of `rows` rows, closed (its WAL folded in), then its file and folder made read-only. */
function readOnlyLedger(rows: number, extra?: (path: string) => void): string {
  const dir = join(base, 'home')
  const path = join(dir, 'usage.db')
  mkdirSync(dir)
  const db = new Database(path, { create: true, readwrite: true })
  db.exec('PRAGMA journal_mode = WAL')
  createSchema(db)
  for (let i = 0; i < rows; i++) db.run(INSERT_SQL, toParams(makeRow({ status: i ? 200 : 502, error_code: i ? null : 'upstream_http' })))
  db.close()
  extra?.(path)
  chmodSync(path, 0o444)
  chmodSync(dir, 0o555)
  return path
}

function readAsAnotherUser(path: string): any {
  const run = Bun.spawnSync([...nobody!, process.execPath, child, path], { env: { ...process.env }, stdout: 'pipe', stderr: 'pipe' })
  expect(run.stderr.toString()).toBe('')
  return JSON.parse(run.stdout.toString())
}

describe.skipIf(nobody === null)('a ledger in a folder the reader may not write', () => {
  test('is read as it stands, nothing made beside it', () => {
    const path = readOnlyLedger(3)
    expect(readdirSync(join(base, 'home'))).toEqual(['usage.db'])
    const summary = readAsAnotherUser(path)
    expect(summary.rows.map((row: { requests: number; errors: number }) => [row.requests, row.errors])).toEqual([[3, 1]])
    expect(existsSync(`${path}-shm`)).toBe(false)
  })

  test('with a WAL file it cannot fold in, it is not read short: an error, no rows', () => {
    chmodSync(join(base, 'home'), 0o755)
    rmSync(join(base, 'home'), { recursive: true, force: true })
    // A writer that died with rows in its WAL: the file it left beside the database, without the -shm.
    const path = readOnlyLedger(2, (file) => {
      const db = new Database(file, { readwrite: true })
      db.exec('PRAGMA wal_autocheckpoint = 0')
      db.run(INSERT_SQL, toParams(makeRow()))
      const wal = readFileSync(`${file}-wal`)
      db.close()
      writeFileSync(`${file}-wal`, wal)
    })
    expect(readAsAnotherUser(path).error).toStartWith(`Cannot read the usage ledger ${path} (SQLITE_`)
  })
})
