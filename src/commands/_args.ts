import { DEFAULT_HOST, DEFAULT_PORT } from '../paths.ts'
import { DIGITS, IPV6_CHARS, NAME_CHARS } from '../server/char-table.ts'

export const portArgs = {
  port: { type: 'string', description: `Port of the proxy (default ${DEFAULT_PORT})`, valueHint: 'N' },
} as const

export const hostArgs = {
  host: { type: 'string', description: `Address to listen on (default ${DEFAULT_HOST})`, valueHint: 'HOST' },
} as const

/** For commands that only write the proxy's address somewhere (enable, generate): they listen on nothing. */
export const writtenHostArgs = {
  host: { type: 'string', description: `Address of the proxy, as written for Codex (default ${DEFAULT_HOST})`, valueHint: 'HOST' },
} as const

export const settingsArgs = {
  settings: { type: 'string', description: 'Settings file (default ~/.codex-shim/models.json)', valueHint: 'FILE' },
} as const

export const jsonArgs = {
  json: { type: 'boolean', description: 'Machine-readable output on stdout' },
} as const

export const verboseArgs = {
  verbose: { type: 'boolean', description: 'Debug output and stack traces' },
} as const

export const tunnelArgs = {
  tunnel: { type: 'boolean', description: 'Expose a public HTTPS URL (cloudflared or ngrok) for Cursor; requires a token' },
  'tunnel-tool': { type: 'string', description: 'With --tunnel: cloudflared or ngrok (default: whichever is installed)', valueHint: 'TOOL' },
} as const

/** Every flag of the proxy's own process: what `_serve` declares, and `start` besides `--foreground`. */
export const proxyArgs = { ...portArgs, ...hostArgs, ...settingsArgs, ...tunnelArgs, ...verboseArgs } as const

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

// Read by hand with the Host header's tables, not regular expressions: these run on the proxy's
// start, where a process's first regular expression costs ~0.1 ms.

/**
 * `--port` as a number: decimal digits only (`1e3` and `0x50` are typos, not ports), with a clear
 * error for anything else. 0 (any free port) only where the proxy listens (`least` 0); an address
 * written for Codex needs a real one (`least` 1).
 */
export function parsePort(value: string | undefined, fallback = DEFAULT_PORT, least: 0 | 1 = 0): number {
  if (value === undefined) return fallback
  const digits = value.trim()
  let plain = digits.length > 0 && digits.length <= 5
  for (let index = 0; plain && index < digits.length; index++) plain = DIGITS[digits.charCodeAt(index)] === 1
  const port = Number(digits)
  if (!plain || port < least || port > 65535) throw new UsageError(`--port expects a number from ${least} to 65535, got ${value ? `"${value}"` : 'nothing'}.`)
  return port
}

/** `--port` of an address written for Codex (enable, generate): a port it can connect to. */
export const parseWrittenPort = (value: string | undefined): number => parsePort(value, DEFAULT_PORT, 1)

/** An IPv6 address, with or without its URL brackets (`::1`, `[::1]`); without them, the form the rest uses. */
function bareIpv6(host: string): string | null {
  const inner = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host
  let colons = 0
  for (let index = 0; index < inner.length; index++) {
    const code = inner.charCodeAt(index)
    // A zone id (`%eth0`) is not taken: a URL would need it encoded, and a proxy on loopback has no use for one.
    if (!IPV6_CHARS[code]) return null
    if (code === 0x3a) colons++
  }
  return colons >= 2 ? inner : null
}

/**
 * `::0`, `0:0:0:0:0:0:0:0` and the like are `::` spelled another way. Everything downstream (the
 * address Codex is sent to, the Host allowlist, the health probe) knows the wildcard as `::`, and
 * would otherwise send Codex to `[::0]`, a Host the proxy refuses. The URL parser writes an IPv6
 * address in its one canonical form; other addresses are kept as the user wrote them.
 */
function isIpv6Wildcard(ipv6: string): boolean {
  try {
    return new URL(`http://[${ipv6}]/`).hostname === '[::]'
  } catch {
    return false
  }
}

/** A host name or IPv4 address: dot-separated labels of letters, digits, `-` and `_`. */
function isHostName(host: string): boolean {
  let label = 0
  for (let index = 0; index < host.length; index++) {
    const code = host.charCodeAt(index)
    if (code === 0x2e) {
      if (label === 0) return false
      label = 0
    } else if (NAME_CHARS[code]) label++
    else return false
  }
  return label > 0
}

/**
 * `--host`: a host name or an IP address, nothing else. A scheme, a port or a path would otherwise
 * reach Codex's config.toml as an unusable base_url (`http://[example.com:80]:8765/v1`), or the
 * listener as an address it cannot bind.
 */
export function parseHost(value: string | undefined): string {
  if (value === undefined) return DEFAULT_HOST
  const host = value.trim()
  if (host && isHostName(host)) return host
  // Brackets are the URL's, added where one is written (config.toml's base_url): `[[::1]]` is no URL.
  const ipv6 = bareIpv6(host)
  if (ipv6) return isIpv6Wildcard(ipv6) ? '::' : ipv6
  const colon = host.lastIndexOf(':')
  const hint = colon > 0 && !host.includes('/') && isHostName(host.slice(0, colon)) ? ` Give the port with --port ${host.slice(colon + 1)}.` : ''
  throw new UsageError(`--host expects a host name or IP address such as 127.0.0.1, localhost or ::1, without a scheme, port or path; got ${host ? `"${value}"` : 'nothing'}.${hint}`)
}

/**
 * Colour for CLI output: FORCE_COLOR (not "0"/"false") forces it, NO_COLOR
 * (any non-empty value, no-color.org) or TERM=dumb turns it off, else only
 * when stdout is a terminal, so piped or redirected output is plain text.
 */
export function colorWanted(env: Record<string, string | undefined>, stdoutIsTty: boolean): boolean {
  const force = env.FORCE_COLOR
  if (force !== undefined && force !== '0' && force !== 'false') return true
  if (force !== undefined || env.NO_COLOR || env.TERM === 'dumb') return false
  return stdoutIsTty
}

/**
 * citty and consola each decide colour once, when they are first imported,
 * from their own reading of the environment (citty ignores whether stdout is a
 * terminal; consola reads NO_COLOR even when empty). So the decision is made
 * here, written into the environment while they load, and the caller puts the
 * environment back afterwards (children such as codex and the daemon decide
 * for their own output). Returns that restore function.
 */
export function applyColorChoice(env: NodeJS.ProcessEnv = process.env, stdoutIsTty = Boolean(process.stdout.isTTY)): () => void {
  const saved = { NO_COLOR: env.NO_COLOR, FORCE_COLOR: env.FORCE_COLOR, CI: env.CI, TEST: env.TEST, TERM: env.TERM }
  if (colorWanted(env, stdoutIsTty)) {
    delete env.NO_COLOR
    env.FORCE_COLOR = '1'
    // citty turns colour off under CI or TEST, even when forced.
    delete env.CI
    delete env.TEST
    if (env.TERM === 'dumb') delete env.TERM
  } else {
    delete env.FORCE_COLOR
    env.NO_COLOR = '1'
  }
  return () => {
    for (const name in saved) {
      const value = saved[name as keyof typeof saved]
      if (value === undefined) delete env[name]
      else env[name] = value
    }
  }
}

/** Names the binary answers to besides codex-shim: `codex-model list` is `codex-shim model list`. */
export const SHORTCUTS = { 'codex-app': 'app', 'codex-model': 'model' } as const satisfies Record<string, string>
export type ShortcutName = keyof typeof SHORTCUTS

/** The shortcut a program name is (`/usr/local/bin/codex-model`, `codex-app.exe`), or null. */
export function shortcutFor(programName: string): ShortcutName | null {
  // String steps, not a regular expression or Array#find: every start reads its name, and the first
  // regular expression or array method a process uses costs it ~0.1 ms (JavaScriptCore compiles it then).
  const file = programName.slice(Math.max(programName.lastIndexOf('/'), programName.lastIndexOf('\\')) + 1).toLowerCase()
  const name = file.endsWith('.exe') || file.endsWith('.cmd') || file.endsWith('.bat') ? file.slice(0, -4) : file
  return Object.hasOwn(SHORTCUTS, name) ? (name as ShortcutName) : null
}

/** The arguments as codex-shim sees them: invoked as a shortcut, its command goes first. */
export function argsForInvocation(programName: string, rawArgs: string[]): string[] {
  const shortcut = shortcutFor(programName)
  return shortcut ? [SHORTCUTS[shortcut], ...rawArgs] : rawArgs
}

/**
 * citty's usage text as people should read it: every command spelled from
 * `codex-shim` (citty names only the nearest parent, "USAGE model list"), and
 * no padding at line ends (its option table pads every row to the widest).
 */
export function tidyUsage(text: string): string {
  const lines = text.split('\n').map((line) => line.trimEnd())
  // The title ends with "(model list)"; the root's own says "(codex-shim v1.2.3)".
  if (lines[0]) lines[0] = lines[0].replace(/\((?!codex-shim\b)([a-z_][\w -]*)\)$/, '(codex-shim $1)')
  return lines.map((line) => line.replace(/^USAGE (?!codex-shim\b)/, 'USAGE codex-shim ')).join('\n')
}

/** The flags of the proxy's own process (`start --foreground`, the daemon's `_serve`). */
export interface ForegroundArgs {
  port?: string
  host?: string
  settings?: string
  tunnel?: boolean
  'tunnel-tool'?: string
  verbose?: boolean
}

export interface ProxyInvocation {
  command: '_serve' | 'start'
  args: ForegroundArgs
}

/**
 * `_serve …` or `start --foreground …` when every token is one of the
 * proxy's flags (`proxyArgs`, as the commands declare them), spelled `--name value`, `--name=value` or `--switch`, each
 * at most once: the proxy's start then skips citty, whose loading and
 * parsing cost more than the rest of the start. Anything else (help, a typo,
 * a repeat, a negation) is null, and citty parses and answers it as before.
 */
export function proxyInvocation(argv: string[]): ProxyInvocation | null {
  const command = argv[0]
  if (command !== '_serve' && command !== 'start') return null
  const args: Record<string, string | boolean> = {}
  let foreground = false
  for (let index = 1; index < argv.length; index++) {
    const token = argv[index]!
    if (!token.startsWith('--')) return null
    const equals = token.indexOf('=')
    const name = token.slice(2, equals < 0 ? undefined : equals)
    if (command === 'start' && name === 'foreground' && equals < 0 && !foreground) {
      foreground = true
      continue
    }
    if (Object.hasOwn(args, name) || !Object.hasOwn(proxyArgs, name)) return null
    if (proxyArgs[name as keyof typeof proxyArgs].type === 'boolean') {
      if (equals >= 0) return null
      args[name] = true
      continue
    }
    const value = equals < 0 ? argv[++index] : token.slice(equals + 1)
    if (!value || value.startsWith('-')) return null
    args[name] = value
  }
  if (command === 'start' && !foreground) return null
  return { command, args: args as ForegroundArgs }
}
