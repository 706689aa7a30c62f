import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { UsageError } from '../commands/_args.ts'
import { ShimError } from '../errors.ts'
import type { DesktopHost } from './host.ts'
import { parsePlistXml, serializePlistXml, type PlistValue } from './plist-xml.ts'

/**
 * Ad-hoc re-signing after the bundle changed (spec §2.5). `codesign --deep`
 * alone drops every entitlement, so each bundle's entitlements are read first
 * and put back, minus the ones bound to OpenAI's team: an ad-hoc signature has
 * no team, and macOS kills an app that claims them.
 */

const CODESIGN = '/usr/bin/codesign'

/** Entitlements only a Developer ID / provisioning profile of the original team can carry. */
export function isTeamBound(key: string): boolean {
  return key === 'com.apple.application-identifier'
    || key === 'keychain-access-groups'
    || key === 'com.apple.security.application-groups'
    || key.startsWith('com.apple.developer.')
}

export interface SignTarget { path: string; kept: Record<string, PlistValue>; dropped: string[] }

/** Refuses signing where there is no codesign; `--no-sign` is the way to work on a copy elsewhere. */
export function requireSigning(host: DesktopHost, noSign: boolean): void {
  if (noSign || host.platform === 'darwin') return
  throw new UsageError(`Re-signing needs macOS codesign, and this is ${host.platform}. Pass --no-sign to work on a copied bundle anyway (macOS will not launch it until it is re-signed).`)
}

/** Helper apps first, the main app last: signing the outer bundle seals the inner signatures. */
export function signingOrder(appPath: string): string[] {
  const frameworks = join(appPath, 'Contents', 'Frameworks')
  const helpers = existsSync(frameworks) ? readdirSync(frameworks).filter((name) => name.endsWith('.app')).sort().map((name) => join(frameworks, name)) : []
  return [...helpers, appPath]
}

export function readEntitlements(path: string, host: DesktopHost): Record<string, PlistValue> {
  const result = host.run([CODESIGN, '--display', '--entitlements', '-', '--xml', path])
  // Unsigned code, or code signed without entitlements, prints nothing.
  const start = result.stdout.indexOf('<?xml')
  if (result.code !== 0 || start < 0) return {}
  const value = parsePlistXml(result.stdout.slice(start))
  return typeof value === 'object' && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array) ? value : {}
}

export function planSigning(appPath: string, host: DesktopHost): SignTarget[] {
  return signingOrder(appPath).map((path) => {
    const entitlements = readEntitlements(path, host)
    const kept: Record<string, PlistValue> = {}
    const dropped: string[] = []
    for (const [key, value] of Object.entries(entitlements)) {
      if (isTeamBound(key)) dropped.push(key)
      else kept[key] = value
    }
    return { path, kept, dropped }
  })
}

/** `codesign --verify` on the whole bundle: false after a run that was stopped before it re-signed. */
export function signatureValid(appPath: string, host: DesktopHost): boolean {
  return host.run([CODESIGN, '--verify', '--deep', '--strict', appPath]).code === 0
}

function mustRun(host: DesktopHost, command: string[], what: string): void {
  const result = host.run(command)
  if (result.code === 0) return
  const detail = (result.stderr || result.stdout).trim().split('\n').at(-1) ?? `exit ${result.code}`
  throw new ShimError('config', `codesign failed while ${what}: ${detail}. The app is patched but not signed; run \`codex-shim restore-app\` or re-run patch-app after fixing this.`)
}

/** Ad-hoc signs the whole bundle, then each bundle again with its own kept entitlements. */
export function resignApp(appPath: string, host: DesktopHost, targets: SignTarget[] = planSigning(appPath, host)): SignTarget[] {
  mustRun(host, [CODESIGN, '--force', '--deep', '--sign', '-', appPath], `signing ${appPath}`)
  const dir = mkdtempSync(join(tmpdir(), 'codex-shim-entitlements-'))
  try {
    let resealOuter = false
    targets.forEach((target, index) => {
      const outer = index === targets.length - 1
      const hasEntitlements = Object.keys(target.kept).length > 0
      // A re-signed helper changes what the outer bundle sealed, so the app itself is signed again last.
      if (!hasEntitlements && !(outer && resealOuter)) return
      const command = [CODESIGN, '--force', '--sign', '-']
      if (hasEntitlements) {
        const file = join(dir, `${index}.plist`)
        writeFileSync(file, serializePlistXml(target.kept), { mode: 0o600 })
        command.push('--entitlements', file)
      }
      mustRun(host, [...command, target.path], `signing ${target.path}`)
      resealOuter = true
    })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return targets
}
