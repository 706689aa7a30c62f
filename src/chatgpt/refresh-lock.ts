import { closeSync, linkSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { dirname } from 'node:path'
import { isAlive } from '../daemon/pid-file.ts'
import { ShimError } from '../errors.ts'

/**
 * The cross-process lock beside auth.json (`auth.json.codex-shim.lock`), so two
 * shims on one machine do not both redeem a refresh token. It names its owner,
 * so a waiter that finds the lock of a process that died (a crash, a restart
 * during a refresh) takes it over at once instead of waiting the lock out.
 */

const POLL_MS = 50
/** How long a refresh waits for another live process's refresh, then gives up (the request fails with a 503). */
const LIVE_WAIT_MS = 10_000
// A lock whose owner we cannot check (an older codex-shim's empty lock, another host's over a shared home)
// is stale at this age: older versions take it over at 30 s too, so the two never disagree on a lock.
const UNOWNED_STALE_MS = 30_000
// Longer than a refresh can hold the lock (4 tries of up to 30 s, plus backoff): a live owner this old
// is a pid the OS gave to another program, where its start time could not be compared (not Linux).
const OWNED_STALE_MS = 5 * 60_000
// A takeover marker is held for a few synchronous calls: one this old was left by a process that died there.
const MARKER_ABANDONED_MS = 5_000

interface LockOwner {
  pid: number
  host: string
  /** The owner's start time as the OS reports it (Linux), so a reused pid is not taken for it. */
  start: string | null
  /** Random: tells this lock from any other, also in file names. */
  id: string
}

interface FoundLock {
  /** The owner's id, or the file's inode and change time when it names no owner. */
  key: string
  stale: boolean
  /** Its owner could be checked: the wait for it is the live one. */
  owned: boolean
}

// Locks this process holds: one naming our pid that is not among them was left by an earlier process
// with the same pid (a container's proxy is pid 1 after every restart).
const held = new Set<string>()

export async function withRefreshLock<T>(authPath: string, body: () => Promise<T>): Promise<T> {
  const lock = `${authPath}.codex-shim.lock`
  const owner: LockOwner = { pid: process.pid, host: hostname(), start: processStart(process.pid), id: crypto.randomUUID() }
  await acquire(lock, owner)
  held.add(owner.id)
  try {
    return await body()
  } finally {
    held.delete(owner.id)
    release(lock, owner.id)
  }
}

async function acquire(lock: string, owner: LockOwner): Promise<void> {
  const waitStart = Date.now()
  for (;;) {
    if (tryCreate(lock, owner)) return
    const found = inspect(lock)
    if (!found) continue // released meanwhile
    if (found.stale && takeOver(lock, found)) continue
    // An unowned lock that was there when we began is stale by the end of this wait, and taken over then.
    if (Date.now() - waitStart > (found.owned ? LIVE_WAIT_MS : UNOWNED_STALE_MS)) {
      throw new ShimError('auth_expired', 'Timed out waiting for another token refresh to finish; retry in a moment.', { status: 503 })
    }
    await Bun.sleep(POLL_MS)
  }
}

/** Creates the lock with its owner already written, or returns false when there is one. */
function tryCreate(lock: string, owner: LockOwner): boolean {
  const record = JSON.stringify(owner)
  const temp = `${lock}.${owner.id}.tmp`
  try {
    writeFileSync(temp, record, { mode: 0o600, flag: 'wx' })
    return linkOrCreate(temp, lock, record)
  } catch (error) {
    // Only an existing lock is someone else's refresh: a folder we cannot write to says so at once.
    const code = codeOf(error)
    throw new ShimError('auth_expired', `Cannot create the refresh lock beside auth.json (${code ?? 'error'}); check that ${dirname(lock)} is writable.`, { status: 503 })
  } finally {
    rmSync(temp, { force: true })
  }
}

// A hard link appears whole or not at all, and not over an existing name: O_EXCL, with the owner inside.
function linkOrCreate(temp: string, lock: string, record: string): boolean {
  try {
    linkSync(temp, lock)
    return true
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false
  }
  // No hard links on this file system (FAT, some network shares). A reader between the open and the
  // write sees an empty lock: young and unowned, so it waits rather than take it over.
  let fd: number
  try {
    fd = openSync(lock, 'wx', 0o600)
  } catch (error) {
    if (codeOf(error) === 'EEXIST') return false
    throw error
  }
  try {
    writeSync(fd, record)
  } finally {
    closeSync(fd)
  }
  return true
}

function release(lock: string, id: string): void {
  // Only if it is still ours: a waiter that judged us gone may have taken it over.
  if (parseOwner(readText(lock))?.id === id) rmSync(lock, { force: true })
}

function inspect(lock: string): FoundLock | null {
  const text = readText(lock)
  // Read before the stat: if the lock is replaced between the two, the age is the newer lock's, never older.
  let stats: { ino: bigint; mtimeNs: bigint; mtimeMs: bigint }
  try {
    stats = statSync(lock, { bigint: true })
  } catch {
    return null
  }
  const ageMs = Date.now() - Number(stats.mtimeMs)
  const owner = parseOwner(text)
  // Another host's pid means nothing here: its lock goes by age, like one without an owner.
  if (!owner || owner.host !== hostname()) return { key: owner?.id ?? `${stats.ino}-${stats.mtimeNs}`, stale: ageMs >= UNOWNED_STALE_MS, owned: false }
  return { key: owner.id, stale: ageMs >= OWNED_STALE_MS || !ownerAlive(owner), owned: true }
}

function parseOwner(text: string): LockOwner | null {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>
    const valid = typeof owner.pid === 'number' && typeof owner.host === 'string' && typeof owner.id === 'string' && /^[\w-]{1,64}$/.test(owner.id)
    return valid ? { pid: owner.pid!, host: owner.host!, id: owner.id!, start: typeof owner.start === 'string' ? owner.start : null } : null
  } catch {
    return null
  }
}

// process.kill(pid, 0) also works on Windows, where pids are reused sooner: the start time cannot be
// read cheaply there (nor on macOS), so a reused pid holds the lock until OWNED_STALE_MS.
function ownerAlive(owner: LockOwner): boolean {
  if (owner.pid === process.pid) return held.has(owner.id)
  if (!isAlive(owner.pid)) return false
  const start = processStart(owner.pid)
  return owner.start === null || start === null || start === owner.start
}

/** Clock ticks from boot to the process's start (Linux), or null where there is no cheap way to tell. */
function processStart(pid: number): string | null {
  if (process.platform !== 'linux') return null
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Field 22; the second, the command name in parentheses, may itself hold spaces and parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null
  } catch {
    return null
  }
}

/**
 * Removes a stale lock, so that it can be created again; false when another
 * waiter is doing it. Several waiters may judge one lock stale at once, and a
 * quick one may remove it and create its own before a slow one acts: so a lock
 * is removed only by whoever creates a marker named after it (O_EXCL: one
 * process wins a name), and only if, with the marker held, the lock is still
 * the one judged stale. Keys are never reused, so a waiter that wins a marker
 * late finds another lock, or none, and leaves it. A marker left by a process
 * that died holding it is passed by for the next name (and removed with the
 * winner's), never removed while its holder might still act. The check and the
 * removal are two calls: between them only the stale lock's own owner could
 * act, and only had it been misjudged (a live owner past an age rule).
 */
function takeOver(lock: string, stale: FoundLock): boolean {
  const marker = (attempt: number) => `${lock}.takeover-${stale.key}-${attempt}`
  for (let attempt = 0; ; attempt++) {
    try {
      closeSync(openSync(marker(attempt), 'wx', 0o600))
    } catch (error) {
      if (codeOf(error) !== 'EEXIST' || ageOf(marker(attempt)) < MARKER_ABANDONED_MS) return false
      continue
    }
    try {
      if (inspect(lock)?.key === stale.key) rmSync(lock, { force: true })
      return true
    } finally {
      for (let index = 0; index <= attempt; index++) rmSync(marker(index), { force: true })
    }
  }
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return '' // gone, or not ours to read: no owner
  }
}

function ageOf(path: string): number {
  try {
    return Date.now() - statSync(path).mtimeMs
  } catch {
    return 0 // gone: its takeover is over
  }
}

function codeOf(error: unknown): string | undefined {
  return (error as { code?: string }).code
}
