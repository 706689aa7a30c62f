import { existsSync, lstatSync, readdirSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { ShimError } from '../errors.ts'
import { copyThroughTemp, writeThroughTemp } from './atomic.ts'
import type { DesktopHost } from './host.ts'
import { parsePlistXml, PlistError, replaceStringValue, type PlistValue } from './plist-xml.ts'

/**
 * Info.plist files of the app bundle: reading them (XML here, binary through
 * plutil on macOS) and setting ElectronAsarIntegrity's header hash (spec §2.3, §2.5).
 */

export type PlistDict = { [key: string]: PlistValue }

export const ASAR_KEY = 'Resources/app.asar'
const HASH_PATH = ['ElectronAsarIntegrity', ASAR_KEY, 'hash'] as const
const PLIST_BUDDY = '/usr/libexec/PlistBuddy'

const isBinary = (bytes: Buffer): boolean => bytes.subarray(0, 6).toString('latin1') === 'bplist'

export function readPlistFile(path: string, host: DesktopHost): PlistDict {
  const bytes = readFileSync(path)
  let xml = bytes.toString('utf8')
  if (isBinary(bytes)) {
    if (host.platform !== 'darwin') throw new ShimError('config', `${path} is a binary property list; only macOS (plutil) can read it. Nothing was changed.`)
    const converted = host.run(['/usr/bin/plutil', '-convert', 'xml1', '-o', '-', path])
    if (converted.code !== 0) throw new ShimError('config', `plutil could not read ${path}: ${converted.stderr.trim() || `exit ${converted.code}`}. Nothing was changed.`)
    xml = converted.stdout
  }
  try {
    const value = parsePlistXml(xml)
    if (typeof value !== 'object' || value === null || Array.isArray(value) || value instanceof Date || value instanceof Uint8Array) throw new PlistError('the root is not a dictionary')
    return value
  } catch (error) {
    if (error instanceof PlistError) throw new ShimError('config', `${path} is not a readable property list (${error.message}). Nothing was changed.`)
    throw error
  }
}

/** The ElectronAsarIntegrity entries (`{ "Resources/app.asar": { algorithm, hash } }`), if any. */
export function asarIntegrity(plist: PlistDict): Record<string, { algorithm: string; hash: string }> | null {
  const integrity = plist.ElectronAsarIntegrity
  if (!integrity || typeof integrity !== 'object' || Array.isArray(integrity) || integrity instanceof Date || integrity instanceof Uint8Array) return null
  const out: Record<string, { algorithm: string; hash: string }> = {}
  for (const [key, value] of Object.entries(integrity)) {
    const record = value as Record<string, unknown>
    if (record && typeof record.algorithm === 'string' && typeof record.hash === 'string') out[key] = { algorithm: record.algorithm, hash: record.hash }
  }
  return out
}

export function asarHashIn(plist: PlistDict): string | null {
  return asarIntegrity(plist)?.[ASAR_KEY]?.hash ?? null
}

/**
 * Every Info.plist under Contents/ that names Resources/app.asar: the main
 * one, and helpers or frameworks that may carry the key too. Symlinks are not
 * followed (framework `Versions/Current` would list files twice).
 */
export function findIntegrityPlists(appPath: string, host: DesktopHost): string[] {
  const found: string[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name)
      const stats = lstatSync(path)
      if (stats.isSymbolicLink()) continue
      if (stats.isDirectory()) {
        if (name !== 'app.asar.unpacked' && !name.endsWith('.lproj')) walk(path)
      } else if (name === 'Info.plist' && readFileSync(path).includes('ElectronAsarIntegrity') && asarHashIn(readPlistFile(path, host)) !== null) {
        found.push(path)
      }
    }
  }
  const contents = join(appPath, 'Contents')
  if (existsSync(contents)) walk(contents)
  return found
}

/** Fails before anything changes if this machine could not update `path`. */
export function checkPlistWritable(path: string, host: DesktopHost): void {
  if (host.platform === 'darwin') return
  if (isBinary(readFileSync(path))) throw new ShimError('config', `${path} is a binary property list; updating it needs macOS (PlistBuddy). Nothing was changed.`)
}

/**
 * Sets ElectronAsarIntegrity → Resources/app.asar → hash. On macOS through
 * PlistBuddy (it keeps binary plists binary), run on a temp copy that is then
 * renamed over the original; elsewhere by splicing the XML text.
 */
export function writeAsarHash(path: string, hash: string, host: DesktopHost): void {
  if (host.platform === 'darwin') {
    copyThroughTemp(path, path, (temp) => {
      // PlistBuddy separates keys with ':', so the '/' and '.' in the key need no escaping.
      const result = host.run([PLIST_BUDDY, '-c', `Set :${HASH_PATH.join(':')} ${hash}`, temp])
      if (result.code !== 0) throw new ShimError('config', `PlistBuddy could not update ${path}: ${result.stderr.trim() || result.stdout.trim() || `exit ${result.code}`}`)
    })
    return
  }
  const xml = readFileSync(path, 'utf8')
  const updated = replaceStringValue(xml, HASH_PATH, hash)
  writeThroughTemp(path, (fd) => {
    writeSync(fd, updated)
  })
}
