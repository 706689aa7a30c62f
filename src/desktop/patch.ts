import { dirname } from 'node:path'
import { ShimError } from '../errors.ts'
import { headerHash, readAsar, type AsarArchive } from './asar.ts'
import { planRewrite, rewriteAsar } from './asar-write.ts'
import { sweepStaleTemps } from './atomic.ts'
import { checkSpace, createBackup, recordPatched, sha256File } from './backups.ts'
import { readCodexBundle, requireApp, type CodexBundle } from './bundle.ts'
import { systemHost, type DesktopHost } from './host.ts'
import { checkDigestSlots, computeIntegrityDigest, readDigestSlots, writeDigest, type DigestStatus } from './integrity-digest.ts'
import { applyNeedles, findNeedles, type NeedleMatch, type NeedleReport } from './needles.ts'
import { probeWritable, withPermissionHint } from './permission.ts'
import { asarHashIn, asarIntegrity, checkPlistWritable, findIntegrityPlists, readPlistFile, writeAsarHash } from './plist.ts'
import { planSigning, requireSigning, resignApp, signatureValid, type SignTarget } from './sign.ts'

export interface PatchOptions { app?: string; dryRun?: boolean; noSign?: boolean }

export type Signing = { state: 'signed' | 'would-sign'; targets: SignTarget[] } | { state: 'skipped' } | { state: 'unavailable'; platform: string }

export interface PatchReport {
  status: 'patched' | 'already-patched' | 'dry-run'
  appPath: string
  version: string
  asarPath: string
  edits: Array<{ label: string } & NeedleMatch>
  headerHash: { before: string; after: string }
  /** Info.plist files whose ElectronAsarIntegrity hash is (or would be) set. */
  plists: string[]
  /** Plists fixed on an already patched app (an earlier run was interrupted after the archive). */
  repaired: string[]
  digestSlots: number
  signing: Signing
  backup?: string
}

/** Everything patch-app checks before it changes a byte. */
interface Inspection {
  bundle: CodexBundle
  archive: AsarArchive
  reports: NeedleReport[]
  sources: Map<string, string>
  plists: string[]
  digest: DigestStatus
}

function inspect(appArg: string | undefined, host: DesktopHost): Inspection {
  const bundle = readCodexBundle(requireApp(appArg, host), host)
  const archive = readAsar(bundle.asarPath)
  const { reports, sources } = findNeedles(archive)
  const unsupported = reports.filter((report) => report.result.state === 'missing' || report.result.state === 'ambiguous')
  if (unsupported.length > 0) {
    const why = unsupported.map(({ needle, result }) => (result.state === 'ambiguous' ? `the ${needle.label} matched ${result.count} times (${result.paths.join(', ')})` : `the ${needle.label} was not found`)).join('; ')
    throw new ShimError('config', `Codex Desktop ${bundle.version} is not supported yet: ${why}. Nothing was changed. Check for a codex-shim update.`)
  }
  const plists = findIntegrityPlists(bundle.appPath, host)
  for (const plist of plists) checkPlistWritable(plist, host)
  const digest = readDigestSlots(bundle.appPath)
  checkDigestSlots(digest, bundle.version)
  return { bundle, archive, reports, sources, plists, digest }
}

/** The digest slot pins the main Info.plist's ElectronAsarIntegrity dictionary as it is on disk now. */
function updateDigest(bundle: CodexBundle, digest: DigestStatus, host: DesktopHost): number {
  if (!digest.slots.some((slot) => slot.used)) return 0
  const integrity = asarIntegrity(readPlistFile(bundle.infoPlist, host))
  if (!integrity) throw new ShimError('config', `${bundle.infoPlist} has no ElectronAsarIntegrity, but the Electron Framework expects one. Run \`codex-shim restore-app\`, or reinstall Codex Desktop.`)
  return writeDigest(digest, computeIntegrityDigest(integrity))
}

function digestNeedsUpdate(bundle: CodexBundle, digest: DigestStatus, host: DesktopHost): boolean {
  const used = digest.slots.filter((slot) => slot.used)
  const integrity = asarIntegrity(readPlistFile(bundle.infoPlist, host))
  if (used.length === 0 || !integrity) return false
  const expected = computeIntegrityDigest(integrity)
  return used.some((slot) => !slot.digest.equals(expected))
}

function signingPlan(appPath: string, host: DesktopHost, noSign: boolean): Signing {
  if (noSign) return { state: 'skipped' }
  if (host.platform !== 'darwin') return { state: 'unavailable', platform: host.platform }
  return { state: 'would-sign', targets: planSigning(appPath, host) }
}

export function patchApp(options: PatchOptions, host: DesktopHost = systemHost): PatchReport {
  const noSign = Boolean(options.noSign)
  if (!options.dryRun) requireSigning(host, noSign)
  const { bundle, archive, reports, sources, plists, digest } = inspect(options.app, host)
  if (!options.dryRun) sweepStaleTemps(bundle.asarPath)
  const currentHash = headerHash(archive.headerString)
  const edits = reports.flatMap(({ needle, result }) => (result.state === 'unpatched' ? [{ label: needle.label, ...result.match }] : []))
  const signing = signingPlan(bundle.appPath, host, noSign)
  const base = { appPath: bundle.appPath, version: bundle.version, asarPath: bundle.asarPath, plists, signing, digestSlots: digest.slots.filter((slot) => slot.used).length }

  if (edits.length === 0) {
    // Already patched. A run killed after the archive was renamed left stale hashes, a stale
    // digest or no signature: finish its work.
    const stale = plists.filter((plist) => asarHashIn(readPlistFile(plist, host)) !== currentHash)
    const digestStale = plists.includes(bundle.infoPlist) && digestNeedsUpdate(bundle, digest, host)
    const unsigned = signing.state === 'would-sign' && !signatureValid(bundle.appPath, host)
    const already = { ...base, status: 'already-patched' as const, edits, headerHash: { before: currentHash, after: currentHash } }
    if (options.dryRun || (stale.length === 0 && !digestStale && !unsigned)) return { ...already, repaired: [], signing: signing.state === 'would-sign' && !unsigned ? { state: 'skipped' } : signing }
    withPermissionHint(bundle.appPath, 'patch-app', () => {
      for (const plist of stale) writeAsarHash(plist, currentHash, host)
      updateDigest(bundle, digest, host)
    })
    return { ...already, repaired: [...stale, ...(digestStale ? [digest.binary!] : [])], signing: sign(bundle.appPath, host, signing) }
  }

  const replacements = applyNeedles(reports, sources)
  const newHash = headerHash(planRewrite(archive, replacements).headerString)
  if (options.dryRun) return { ...base, status: 'dry-run', edits, headerHash: { before: currentHash, after: newHash }, repaired: [] }

  probeWritable(dirname(bundle.asarPath), bundle.appPath, 'patch-app')
  for (const plist of plists) probeWritable(dirname(plist), bundle.appPath, 'patch-app')
  checkSpace(bundle, plists, host, true)
  const backup = createBackup(bundle, plists, sha256File(bundle.asarPath))
  const written = withPermissionHint(bundle.appPath, 'patch-app', () => {
    const result = rewriteAsar(archive, replacements)
    const hash = headerHash(result.headerString)
    for (const plist of plists) writeAsarHash(plist, hash, host)
    updateDigest(bundle, digest, host)
    return hash
  })
  recordPatched(backup, sha256File(bundle.asarPath))
  return { ...base, status: 'patched', edits, headerHash: { before: currentHash, after: written }, repaired: [], backup: backup.dir, signing: sign(bundle.appPath, host, signing) }
}

function sign(appPath: string, host: DesktopHost, plan: Signing): Signing {
  if (plan.state !== 'would-sign') return plan
  return { state: 'signed', targets: withPermissionHint(appPath, 'patch-app', () => resignApp(appPath, host, plan.targets)) }
}
