import { existsSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { UsageError } from '../commands/_args.ts'
import { ShimError } from '../errors.ts'
import type { DesktopHost } from './host.ts'
import { readPlistFile, type PlistDict } from './plist.ts'

/** Codex Desktop's bundle id on macOS (spec §7.1); betas and channels add a suffix. */
export const CODEX_BUNDLE_ID = 'com.openai.codex'

export interface CodexBundle {
  appPath: string
  infoPlist: string
  asarPath: string
  version: string
  identifier: string
  plist: PlistDict
}

export function defaultAppCandidates(): string[] {
  const home = process.env.HOME || homedir()
  return ['/Applications/Codex.app', join(home, 'Applications', 'Codex.app')]
}

/**
 * The bundle to work on: `--app`, else the standard macOS locations. Other
 * systems have no Codex.app to find, so they must name one (tests, inspection).
 */
export function locateApp(appArg: string | undefined, host: DesktopHost): string | null {
  if (appArg) return resolve(appArg)
  if (host.platform !== 'darwin') {
    const windows = host.platform === 'win32' ? ' Codex Desktop on Windows is a read-only MSIX package and cannot be patched in place.' : ''
    throw new UsageError(`patch-app and restore-app work on the macOS Codex.app only; this is ${host.platform}.${windows} To inspect a copied bundle here, pass --app PATH --no-sign.`)
  }
  return defaultAppCandidates().find((path) => existsSync(path)) ?? null
}

export function requireApp(appArg: string | undefined, host: DesktopHost): string {
  const appPath = locateApp(appArg, host)
  if (!appPath) throw new ShimError('config', `Codex Desktop is not installed in ${defaultAppCandidates().join(' or ')}. Install it, or name the bundle with --app PATH.`)
  return appPath
}

/** Reads Contents/Info.plist and refuses anything that is not Codex Desktop. */
export function readCodexBundle(appPath: string, host: DesktopHost): CodexBundle {
  if (!existsSync(appPath) || !statSync(appPath).isDirectory()) throw new ShimError('config', `${appPath} does not exist or is not an app bundle. Check the --app path.`)
  const infoPlist = join(appPath, 'Contents', 'Info.plist')
  if (!existsSync(infoPlist)) throw new ShimError('config', `${appPath} has no Contents/Info.plist, so it is not a macOS app bundle. Check the --app path.`)
  const plist = readPlistFile(infoPlist, host)
  const identifier = typeof plist.CFBundleIdentifier === 'string' ? plist.CFBundleIdentifier : ''
  if (identifier !== CODEX_BUNDLE_ID && !identifier.startsWith(`${CODEX_BUNDLE_ID}.`)) {
    throw new ShimError('config', `${appPath} is not Codex Desktop (CFBundleIdentifier is "${identifier || 'missing'}", expected ${CODEX_BUNDLE_ID}). Nothing was changed.`)
  }
  const version = typeof plist.CFBundleShortVersionString === 'string' ? plist.CFBundleShortVersionString.trim() : ''
  if (!/^[\w.+-]+$/.test(version)) throw new ShimError('config', `${infoPlist} has no usable CFBundleShortVersionString; is the bundle damaged? Reinstall Codex Desktop.`)
  const asarPath = join(appPath, 'Contents', 'Resources', 'app.asar')
  if (!existsSync(asarPath)) throw new ShimError('config', `Codex ${version} at ${appPath} has no Contents/Resources/app.asar; this build is not supported. Nothing was changed.`)
  return { appPath, infoPlist, asarPath, version, identifier, plist }
}
