import { accessSync, closeSync, constants, existsSync, fchmodSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, unlinkSync, writeSync } from 'node:fs'
import * as fs from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { ConfigEditError } from './config-edit-error.ts'

export interface WriteOptions {
  /** Mode for a new file (default 0644); an existing file keeps its own. */
  mode?: number
  /** The file holds a secret (token, login): always 0600, whatever it was before. */
  secret?: boolean
  /**
   * Flush to disk before the rename (default). Off only for runtime files whose content a crash
   * makes moot anyway (the pid file): the rename alone still means no reader sees half a file.
   */
  sync?: boolean
}

const TEMP_INFIX = '.codex-shim-'
/** A temp file this old was left by a write that died between open and rename. */
const STRAY_TEMP_AGE_MS = 60_000

/** Linux's own limit on links followed in a row (ELOOP). */
const MAX_LINK_HOPS = 40

const isSymbolicLink = (path: string) => lstatSync(path, { throwIfNoEntry: false })?.isSymbolicLink() ?? false

/** The file a write lands in: a symlink's final target, so the link survives. */
function writeTarget(path: string): string {
  if (!isSymbolicLink(path)) return path
  try {
    return realpathSync(path)
  } catch {
    return danglingLinkTarget(path)
  }
}

/**
 * The missing file a link (or chain of links) leads to, to be created as `echo >` or an editor
 * would: the link was made to point there (dotfiles linked before the file was written). A missing
 * folder is not ours to make, though: it is most likely a checkout not made yet, which a clone into
 * it would then refuse; so that, like a loop, is refused with the link and its target named.
 */
function danglingLinkTarget(link: string): string {
  let target = link
  for (let hops = 0; hops < MAX_LINK_HOPS && isSymbolicLink(target); hops++) target = resolve(dirname(target), readlinkSync(target))
  if (isSymbolicLink(target)) throw new ConfigEditError(`${link} is a symbolic link that leads round in a loop (through ${target}); point it at a file or remove it. Nothing was changed.`)
  if (!existsSync(dirname(target))) throw new ConfigEditError(`${link} is a symbolic link to ${target}, whose folder ${dirname(target)} does not exist. Create that folder (or check out what belongs there), or replace the link with a file; nothing was changed.`)
  return target
}

/** Removes `<name>.codex-shim-*.tmp` siblings older than a minute (a killed write's leftovers). */
export function removeStrayTemps(path: string, now = Date.now()): void {
  const prefix = `${basename(path)}${TEMP_INFIX}`
  let names: string[]
  try {
    names = readdirSync(dirname(path))
  } catch {
    return
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.tmp')) continue
    const temp = join(dirname(path), name)
    try {
      if (now - statSync(temp).mtimeMs > STRAY_TEMP_AGE_MS) rmSync(temp, { force: true })
    } catch {
      // another writer renamed or removed it meanwhile
    }
  }
}

interface AtomicWrite {
  target: string
  temp: string
  mode: number
}

// Two writes to one file in one process (two control-page switches) can start in the same millisecond.
let writes = 0

/** Where the write lands, its temporary sibling and the mode to give it; the folder made, old temporaries removed. */
function prepareWrite(path: string, options: WriteOptions): AtomicWrite {
  const target = writeTarget(path)
  mkdirSync(dirname(target), { recursive: true })
  removeStrayTemps(target)
  const mode = options.secret ? 0o600 : existsSync(target) ? statSync(target).mode & 0o777 : (options.mode ?? 0o644)
  return { target, mode, temp: `${target}${TEMP_INFIX}${process.pid}-${Date.now()}-${++writes}.tmp` }
}

// Opened with the most restrictive mode, then given the exact one: umask only removes bits.
const TEMP_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL

/**
 * Writes a file so that a crash leaves either the old or the new content,
 * never half of each: temp file in the same directory, fsync, rename.
 * Keeps the existing file's mode, else uses `mode`; `secret` forces 0600
 * (set on the temp file before it holds a byte). A symlink is written
 * through to its target, created if missing, and stays a link. For the CLI: the proxy, where
 * the fsync would stop every stream, uses `writeFileAtomicOffThread`.
 */
export function writeFileAtomic(path: string, content: string | Uint8Array, options: WriteOptions = {}): void {
  const { target, temp, mode } = prepareWrite(path, options)
  const fd = openSync(temp, TEMP_FLAGS, 0o600)
  try {
    if (process.platform !== 'win32') fchmodSync(fd, mode)
    if (typeof content === 'string') writeSync(fd, content)
    else writeSync(fd, content)
    if (options.sync !== false) fsyncSync(fd)
  } catch (error) {
    // The write's own error is the one to report, not a failed clean-up (a stray temp is removed later).
    ignoring(() => closeSync(fd))
    ignoring(() => unlinkSync(temp))
    throw error
  }
  closeSync(fd)
  try {
    renameSync(temp, target)
  } catch (error) {
    ignoring(() => unlinkSync(temp))
    throw error
  }
}

function ignoring(cleanUp: () => void): void {
  try {
    cleanUp()
  } catch {}
}

/**
 * `writeFileAtomic` for the running proxy: the write, the fsync and the
 * rename run on Bun's I/O threads. An fsync waits for the disk, and on ext4
 * for other programs' unwritten data too (170-220 ms here after a large
 * build); on the proxy's thread every stream would wait with it.
 */
export async function writeFileAtomicOffThread(path: string, content: string, options: WriteOptions = {}): Promise<void> {
  const { target, temp, mode } = prepareWrite(path, options)
  const file = await fs.open(temp, TEMP_FLAGS, 0o600)
  try {
    if (process.platform !== 'win32') await file.chmod(mode)
    await file.writeFile(content)
    if (options.sync !== false) await file.sync()
  } catch (error) {
    await file.close().catch(() => {})
    await fs.unlink(temp).catch(() => {})
    throw error
  }
  await file.close()
  try {
    await fs.rename(temp, target)
  } catch (error) {
    await fs.unlink(temp).catch(() => {})
    throw error
  }
}

/**
 * Backs the file up before we change it: `<path>.codex-shim.bak`, as it was just before this
 * change, and once, `<path>.codex-shim.orig`, as it was before codex-shim first changed it (no
 * later change touches that one, so the user's own file is never lost to a chain of ours).
 * Private copies (0600: a settings file can hold keys), written through a temp file and a rename,
 * so a read-only original, whose mode a plain copy would keep, never blocks the next backup. Not
 * synced: the proxy's model switch comes here, and a backup is no more durable than its source.
 */
export function backupFile(path: string): string | null {
  if (!existsSync(path)) return null
  const content = readFileSync(path)
  const backup = `${path}.codex-shim.bak`
  writeFileAtomic(backup, content, { secret: true, sync: false })
  const original = `${path}.codex-shim.orig`
  if (!existsSync(original) && !existsSync(originalAbsentMarker(path))) writeFileAtomic(original, content, { secret: true, sync: false })
  return backup
}

/**
 * Called once codex-shim has written a file that was not there before: with nothing to copy into
 * `.orig`, the next change would take the file just written (our own block) for the user's
 * original. A marker says there was none instead. Written after the file, so a write that failed
 * leaves nothing behind.
 */
export function recordOriginalAbsent(path: string): void {
  if (existsSync(`${path}.codex-shim.orig`) || existsSync(originalAbsentMarker(path))) return
  writeFileAtomic(originalAbsentMarker(path), `${basename(path)} did not exist before codex-shim first wrote it (${new Date().toISOString()}).\n`, { secret: true, sync: false })
}

/** `<path>.codex-shim.orig-absent`: stands for `.orig` when there was no file before codex-shim first wrote one. */
export function originalAbsentMarker(path: string): string {
  return `${path}.codex-shim.orig-absent`
}

/**
 * Refuses, before anything is written, to replace a file its owner made read-only (a rename
 * would replace it anyway): the user meant it to stay as it is. `what` names it for the message.
 */
export function refuseReadOnly(path: string, what: string): void {
  if (!existsSync(path)) return
  let writable: boolean
  try {
    // No write bit for anyone says "leave it" even to root, whom access() would let through.
    accessSync(path, constants.W_OK)
    writable = (statSync(path).mode & 0o222) !== 0
  } catch {
    writable = false
  }
  if (!writable) throw new ConfigEditError(`${what} (${path}) is read-only; make it writable (chmod u+w) to let codex-shim change it. Nothing was changed.`)
}
