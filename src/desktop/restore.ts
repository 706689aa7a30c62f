import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ShimError } from '../errors.ts'
import { readAsar } from './asar.ts'
import { copyThroughTemp, sweepStaleTemps } from './atomic.ts'
import { backupsFor, checkSpace, listBackups, sha256File, type Backup } from './backups.ts'
import { readCodexBundle, requireApp, type CodexBundle } from './bundle.ts'
import { systemHost, type DesktopHost } from './host.ts'
import { checkDigestSlots, computeIntegrityDigest, readDigestSlots, writeDigest } from './integrity-digest.ts'
import { findNeedles } from './needles.ts'
import { probeWritable, withPermissionHint } from './permission.ts'
import { asarIntegrity, readPlistFile } from './plist.ts'
import { planSigning, requireSigning, resignApp, type SignTarget } from './sign.ts'

export interface RestoreOptions { app?: string; noSign?: boolean }

export type RestoreReport =
  | { status: 'restored'; appPath: string; version: string; backup: string; files: string[]; signed: SignTarget[] | null }
  | { status: 'not-patched'; appPath: string; version: string; otherVersions: string[] }

/** True when both needles are in their patched form; false when neither is; null when unclear. */
export function isPatched(bundle: CodexBundle): boolean | null {
  const { reports } = findNeedles(readAsar(bundle.asarPath))
  if (reports.every((report) => report.result.state === 'patched')) return true
  if (reports.every((report) => report.result.state === 'unpatched')) return false
  return null
}

function backupMatches(backup: Backup, bundle: CodexBundle): boolean {
  return backup.manifest.plists.every((path) => {
    const saved = join(backup.dir, 'plists', path)
    const live = join(bundle.appPath, path)
    return existsSync(live) && readFileSync(saved).equals(readFileSync(live))
  })
}

/** Puts back the backup of the installed version (never another version's), then re-signs. */
export function restoreApp(options: RestoreOptions, host: DesktopHost = systemHost): RestoreReport {
  const noSign = Boolean(options.noSign)
  requireSigning(host, noSign)
  const bundle = readCodexBundle(requireApp(options.app, host), host)
  sweepStaleTemps(bundle.asarPath)
  const candidates = backupsFor(bundle.version)
  const currentSha = sha256File(bundle.asarPath)

  if (candidates.length === 0) {
    const otherVersions = [...new Set(listBackups().map((backup) => backup.manifest.version))]
    const patched = isPatched(bundle)
    // Only a patched app (or one we cannot read, next to other versions' backups) is worth an error.
    if (patched === false || (patched === null && otherVersions.length === 0)) return { status: 'not-patched', appPath: bundle.appPath, version: bundle.version, otherVersions }
    const others = otherVersions.length > 0 ? `The backups are for Codex ${otherVersions.join(', ')}: Desktop has updated since it was patched, and another version's files would break it. ` : ''
    throw new ShimError('config', `No backup for the installed Codex Desktop ${bundle.version}. ${others}Nothing was restored. To undo the patch, reinstall Codex Desktop.`)
  }

  // Our own patch of this install first; else the newest backup of the same version.
  const backup = candidates.find((candidate) => candidate.manifest.patchedSha256 === currentSha) ?? candidates[0]!
  if (backup.manifest.originalSha256 === currentSha && backupMatches(backup, bundle)) {
    return { status: 'not-patched', appPath: bundle.appPath, version: bundle.version, otherVersions: [] }
  }
  const savedAsar = join(backup.dir, 'app.asar')
  if (sha256File(savedAsar) !== backup.manifest.originalSha256) {
    throw new ShimError('config', `The backup in ${backup.dir} is damaged (its app.asar no longer matches the hash recorded when it was made). Nothing was restored. Reinstall Codex Desktop instead.`)
  }
  const digest = readDigestSlots(bundle.appPath)
  checkDigestSlots(digest, bundle.version)
  const signTargets = noSign ? null : planSigning(bundle.appPath, host)

  probeWritable(dirname(bundle.asarPath), bundle.appPath, 'restore-app')
  checkSpace(bundle, [], host, false)
  const files = withPermissionHint(bundle.appPath, 'restore-app', () => {
    const restored = [bundle.asarPath]
    copyThroughTemp(savedAsar, bundle.asarPath)
    for (const path of backup.manifest.plists) {
      const target = join(bundle.appPath, path)
      if (!existsSync(dirname(target))) continue
      copyThroughTemp(join(backup.dir, 'plists', path), target)
      restored.push(target)
    }
    // The framework digest is never backed up: it follows from the restored Info.plist.
    const integrity = asarIntegrity(readPlistFile(bundle.infoPlist, host))
    if (integrity && digest.slots.some((slot) => slot.used)) writeDigest(digest, computeIntegrityDigest(integrity))
    return restored
  })
  const signed = signTargets ? withPermissionHint(bundle.appPath, 'restore-app', () => resignApp(bundle.appPath, host, signTargets)) : null
  return { status: 'restored', appPath: bundle.appPath, version: bundle.version, backup: backup.dir, files, signed }
}
