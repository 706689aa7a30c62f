import { closeSync, copyFileSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import * as v from 'valibot'
import { writeFileAtomic } from '../codex/atomic-write.ts'
import { syncDirectory, syncFile } from './atomic.ts'
import { ShimError } from '../errors.ts'
import { shimHome } from '../paths.ts'
import type { CodexBundle } from './bundle.ts'
import type { DesktopHost } from './host.ts'

/**
 * Backups of what patch-app changes, keyed by Desktop version and the
 * original archive's hash: `~/.codex-shim/app-backups/<version>-<sha12>/`
 * holding app.asar, the plists (under their bundle-relative paths) and
 * manifest.json. Restore only ever uses a backup of the installed version.
 */

/** Backups kept per Desktop version; older ones for that version are deleted after a new one is made. */
export const BACKUPS_PER_VERSION = 2
/** Headroom on top of the bytes we copy, so a backup never fills the disk to the last block. */
const SPACE_MARGIN = 64 * 1024 * 1024
const PARTIAL = '.partial-'

const ManifestSchema = v.looseObject({
  version: v.string(),
  appPath: v.string(),
  originalSha256: v.string(),
  patchedSha256: v.optional(v.string()),
  createdAt: v.string(),
  plists: v.array(v.string()),
})
export type BackupManifest = v.InferOutput<typeof ManifestSchema>

export interface Backup { dir: string; manifest: BackupManifest; bytes: number }

export const backupsRoot = (): string => join(shimHome(), 'app-backups')

export function sha256File(path: string): string {
  const hasher = new Bun.CryptoHasher('sha256')
  const fd = openSync(path, 'r')
  try {
    const buffer = Buffer.alloc(4 * 1024 * 1024)
    for (let read = readSync(fd, buffer); read > 0; read = readSync(fd, buffer)) hasher.update(buffer.subarray(0, read))
  } finally {
    closeSync(fd)
  }
  return hasher.digest('hex')
}

function directoryBytes(dir: string): number {
  let total = 0
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    const stats = statSync(path)
    total += stats.isDirectory() ? directoryBytes(path) : stats.size
  }
  return total
}

function readManifest(dir: string): BackupManifest | null {
  try {
    const parsed = v.safeParse(ManifestSchema, JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')))
    return parsed.success ? parsed.output : null
  } catch {
    return null
  }
}

/** Complete backups, newest first. Half-written ones (a killed run) are not listed. */
export function listBackups(): Backup[] {
  const root = backupsRoot()
  if (!existsSync(root)) return []
  const backups: Backup[] = []
  for (const name of readdirSync(root)) {
    const dir = join(root, name)
    if (name.includes(PARTIAL) || !statSync(dir).isDirectory()) continue
    const manifest = readManifest(dir)
    if (manifest && existsSync(join(dir, 'app.asar'))) backups.push({ dir, manifest, bytes: directoryBytes(dir) })
  }
  return backups.sort((a, b) => b.manifest.createdAt.localeCompare(a.manifest.createdAt))
}

/** Bytes used by every backup, for `doctor`. */
export function backupsTotalBytes(): number {
  const root = backupsRoot()
  return existsSync(root) ? directoryBytes(root) : 0
}

export const backupsFor = (version: string): Backup[] => listBackups().filter((backup) => backup.manifest.version === version)

function checkRoom(host: DesktopHost, where: string, needed: number, what: string): void {
  const free = host.freeBytes(where)
  if (free < needed + SPACE_MARGIN) {
    const mb = (bytes: number) => `${Math.ceil(bytes / 1024 / 1024)} MB`
    throw new ShimError('config', `Not enough free disk space for ${what}: ${mb(needed + SPACE_MARGIN)} needed near ${where}, ${mb(free)} free. Free some space and try again; nothing was changed.`)
  }
}

/** Room for the backup copy and for the temp archive written beside app.asar. */
export function checkSpace(bundle: CodexBundle, plists: string[], host: DesktopHost, needsBackup: boolean): void {
  const asarBytes = statSync(bundle.asarPath).size
  const plistBytes = plists.reduce((sum, path) => sum + statSync(path).size, 0)
  if (needsBackup) checkRoom(host, backupsRoot(), asarBytes + plistBytes, 'the backup')
  checkRoom(host, dirname(bundle.asarPath), asarBytes, 'the rewritten app.asar')
}

/**
 * Copies app.asar and the plists before anything changes. A backup of this
 * exact original that already exists is reused. The copy is made in a
 * `.partial-<pid>` directory and renamed into place, so a killed run never
 * leaves a backup that looks complete.
 */
export function createBackup(bundle: CodexBundle, plists: string[], originalSha256: string): Backup {
  const root = backupsRoot()
  mkdirSync(root, { recursive: true })
  for (const name of readdirSync(root)) if (name.includes(PARTIAL)) rmSync(join(root, name), { recursive: true, force: true })
  const dir = join(root, `${bundle.version}-${originalSha256.slice(0, 12)}`)
  const existing = readManifest(dir)
  if (existing && existing.originalSha256 === originalSha256 && existsSync(join(dir, 'app.asar'))) return { dir, manifest: existing, bytes: directoryBytes(dir) }
  rmSync(dir, { recursive: true, force: true })

  const partial = `${dir}${PARTIAL}${process.pid}`
  mkdirSync(partial, { recursive: true })
  copyFileSync(bundle.asarPath, join(partial, 'app.asar'))
  const relativePlists = plists.map((path) => relative(bundle.appPath, path))
  for (const path of relativePlists) {
    mkdirSync(dirname(join(partial, 'plists', path)), { recursive: true })
    copyFileSync(join(bundle.appPath, path), join(partial, 'plists', path))
  }
  // On disk before the original is replaced: a crash just after patching must not leave a backup
  // whose bytes were still in the page cache, which restore-app would then refuse as damaged.
  syncFile(join(partial, 'app.asar'))
  for (const path of relativePlists) syncFile(join(partial, 'plists', path))
  if (sha256File(join(partial, 'app.asar')) !== originalSha256) {
    rmSync(partial, { recursive: true, force: true })
    throw new ShimError('config', `app.asar changed while it was being backed up (is Codex updating?). Try again; nothing was changed.`)
  }
  const manifest: BackupManifest = { version: bundle.version, appPath: bundle.appPath, originalSha256, createdAt: new Date().toISOString(), plists: relativePlists }
  writeFileAtomic(join(partial, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  renameSync(partial, dir)
  syncDirectory(root)
  pruneBackups(bundle.version, dir)
  return { dir, manifest, bytes: directoryBytes(dir) }
}

/** Notes which archive the patch produced, so restore can tell its own patch from a reinstall. */
export function recordPatched(backup: Backup, patchedSha256: string): void {
  const manifest = { ...backup.manifest, patchedSha256 }
  writeFileAtomic(join(backup.dir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`)
  backup.manifest = manifest
}

function pruneBackups(version: string, keep: string): void {
  const sameVersion = backupsFor(version)
  let kept = sameVersion.some((backup) => backup.dir === keep) ? 1 : 0
  for (const backup of sameVersion) {
    if (backup.dir === keep) continue
    if (kept < BACKUPS_PER_VERSION) kept++
    else rmSync(backup.dir, { recursive: true, force: true })
  }
}
