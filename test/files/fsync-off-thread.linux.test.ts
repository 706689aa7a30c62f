import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { traceFsyncs } from '../support/fsync-trace.ts'
import { freshDir, storedRows } from '../usage/_support.ts'

// Linux only (CI skips *.linux.test.ts on macOS and Windows): strace says which thread called fsync.
// An fsync waits for the disk, and while other programs write a lot (a build, a copy of a big file)
// ext4 makes it wait for their data too: one took 170-220 ms here after a 550 MB build. On the
// proxy's thread that stops every stream at once. What the running proxy writes syncs elsewhere.


test('usage ledger: no fsync on the proxy\'s thread creating the file, writing rows or after a checkpoint; the checkpoints and shutdown still sync', () => {
  const dir = freshDir('fsync')
  const rows = 2_000
  const syncs = traceFsyncs(dir, [join(import.meta.dir, '../usage/_fsync-child.ts'), join(dir, 'usage.db'), String(rows)])
  expect(storedRows(join(dir, 'usage.db'))).toHaveLength(rows + 10)
  expect(syncs.main).toBe(0)
  // The checkpoints, on the worker, sync the WAL before copying it and the database after.
  expect(syncs.other).toBeGreaterThan(0)
  // Shutdown writes the last rows and checkpoints on the proxy's thread, synced: nothing is left to an unsynced WAL.
  expect(syncs.mainAfterShutdown).toBeGreaterThan(0)
})

test('usage ledger: shutdown syncs even when the database stayed locked until then (close() sets the ledger up)', () => {
  const dir = freshDir('fsync-locked')
  const syncs = traceFsyncs(dir, [join(import.meta.dir, '../usage/_fsync-child.ts'), join(dir, 'usage.db'), '50', 'locked'])
  expect(storedRows(join(dir, 'usage.db'))).toHaveLength(50)
  expect(syncs.mainAfterShutdown).toBeGreaterThan(0)
})

test('usage ledger: after a checkpoint a reader kept from emptying the WAL, the write that restarts the WAL over its old frames syncs its header first', () => {
  const dir = freshDir('fsync-reader')
  const syncs = traceFsyncs(dir, [join(import.meta.dir, '../usage/_fsync-child.ts'), join(dir, 'usage.db'), '500', 'reader'])
  expect(storedRows(join(dir, 'usage.db'))).toHaveLength(501)
  // SQLite's own safeguard (its WAL header sync), which synchronous=OFF would skip: a power cut could
  // otherwise bring old frames back over a newer database. Rare (a reader mid-query at a checkpoint).
  expect(syncs.main).toBeGreaterThan(0)
})

test('usage ledger: the retention prune on the worker leaves the WAL emptied, not copied over and waiting for an unsynced restart', () => {
  const dir = freshDir('fsync-prune')
  const syncs = traceFsyncs(dir, [join(import.meta.dir, '../usage/_fsync-child.ts'), join(dir, 'usage.db'), '55000', 'prune'])
  // SQLite's own checkpoints on the prune's connection copied the WAL without emptying it; its last
  // one empties it, so the proxy's next write starts a new WAL rather than restarting over old frames.
  expect(JSON.parse(syncs.stdout)).toEqual({ walAfterPrune: 0 })
  expect(storedRows(join(dir, 'usage.db'))).toHaveLength(1)
})

test('ChatGPT token refresh: auth.json is synced before its rename, off the proxy\'s thread', () => {
  const dir = freshDir('fsync-refresh')
  const auth = join(dir, 'auth.json')
  const syncs = traceFsyncs(dir, [join(import.meta.dir, '../chatgpt/_refresh-fsync-child.ts'), auth])
  expect(JSON.parse(readFileSync(auth, 'utf8')).tokens.refresh_token).toBe('rt-new')
  expect(syncs.main).toBe(0)
  expect(syncs.other).toBe(1)
})

test('control page model switch: the catalog, the snippet and config.toml are synced, off the proxy\'s thread', () => {
  const dir = freshDir('fsync-switch')
  const syncs = traceFsyncs(dir, [join(import.meta.dir, '../ui/_switch-fsync-child.ts')])
  expect(syncs.main).toBe(0)
  expect(syncs.other).toBe(3)
})
