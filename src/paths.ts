import type * as NodeOs from 'node:os'
import type * as NodePath from 'node:path'

export const DEFAULT_PORT = 8765
export const DEFAULT_HOST = '127.0.0.1'

// These paths are on the proxy's start path, where importing node:path and node:os costs
// ~1.3 ms of a ~17 ms start (measured in the compiled binary). A home directory is almost
// always already absolute and normal, and then node:path would return it plus one name;
// node:path loads only for a path it would rewrite (relative, `..`, doubled or mixed separators).
const nodePath = (): typeof NodePath => require('node:path')
const nodeOs = (): typeof NodeOs => require('node:os')

export type PathFlavor = 'posix' | 'win32'
const FLAVOR: PathFlavor = process.platform === 'win32' ? 'win32' : 'posix'

/**
 * Absolute, and already as node:path would normalise it (no `.` or `..`, no
 * doubled or trailing separator). String steps, not regular expressions: a
 * process's first regular expression costs ~0.1 ms, and this runs on every start.
 */
function isNormalAbsolute(path: string, flavor: PathFlavor): boolean {
  let rest = path
  if (flavor === 'win32') {
    // A drive path such as C:\Users\me. UNC paths, forward slashes and device paths take the long way.
    const letter = path.charCodeAt(0) | 0x20
    if (letter < 0x61 || letter > 0x7a || path[1] !== ':' || path[2] !== '\\') return false
    if (path.length === 3) return true
    if (path.includes('/') || path.endsWith('.') || path.endsWith(' ')) return false
    rest = path.slice(2)
  } else if (path === '/') return true
  const segments = rest.split(flavor === 'win32' ? '\\' : '/')
  if (segments.length < 2 || segments[0] !== '') return false
  for (let index = 1; index < segments.length; index++) {
    const segment = segments[index]!
    if (segment === '' || segment === '.' || segment === '..' || (flavor === 'win32' && segment.includes(':'))) return false
  }
  return true
}

/** node:path's `join(dir, name)` for one plain file or folder name. */
export function joinPath(dir: string, name: string, flavor: PathFlavor = FLAVOR): string {
  const plainName = name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\\') && !name.includes(':')
  if (plainName && isNormalAbsolute(dir, flavor)) return dir.endsWith('/') || dir.endsWith('\\') ? dir + name : `${dir}${flavor === 'win32' ? '\\' : '/'}${name}`
  return nodePath()[flavor].join(dir, name)
}

/** node:path's `resolve(path)`. */
export function resolvePath(path: string, flavor: PathFlavor = FLAVOR): string {
  return isNormalAbsolute(path, flavor) ? path : nodePath()[flavor].resolve(path)
}

function home(): string {
  return process.env.HOME || process.env.USERPROFILE || nodeOs().homedir()
}

/** `$CODEX_SHIM_HOME`, default `~/.codex-shim`: our settings and runtime files. */
export function shimHome(): string {
  const configured = process.env.CODEX_SHIM_HOME
  return configured ? resolvePath(configured) : joinPath(home(), '.codex-shim')
}

/** `$CODEX_HOME`, default `~/.codex`: Codex's own files (config.toml, auth.json). */
export function codexHome(): string {
  const configured = process.env.CODEX_HOME
  return configured ? resolvePath(configured) : joinPath(home(), '.codex')
}

export const shimPaths = {
  settings: () => joinPath(shimHome(), 'models.json'),
  catalog: () => joinPath(shimHome(), 'model_catalog.json'),
  providerSnippet: () => joinPath(shimHome(), 'codex-provider.toml'),
  pidFile: () => joinPath(shimHome(), 'codex-shim.pid'),
  /** Digests of settings texts this build validated (settings/validated-record.ts). */
  validatedSettings: () => joinPath(shimHome(), 'validated-settings'),
  logFile: () => joinPath(shimHome(), 'codex-shim.log'),
  /** The endpoint token `start --tunnel` made (tunnel/token.ts), 0600. */
  token: () => joinPath(shimHome(), 'token'),
}

export const codexPaths = {
  config: () => joinPath(codexHome(), 'config.toml'),
  auth: () => joinPath(codexHome(), 'auth.json'),
}
