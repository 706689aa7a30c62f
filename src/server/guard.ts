import { ShimError } from '../errors.ts'
import { DIGITS, IPV6_CHARS, NAME_CHARS } from './char-table.ts'

const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '::1', '[::1]', '0:0:0:0:0:0:0:1']

/** Hosts a request may name: loopback, the bind host, and `CODEX_SHIM_ALLOWED_HOSTS`. */
export function buildHostAllowlist(bindHost: string, extra: string | undefined = process.env.CODEX_SHIM_ALLOWED_HOSTS): Set<string> {
  const hosts = new Set(LOOPBACK_NAMES)
  if (bindHost && bindHost !== '0.0.0.0' && bindHost !== '::') hosts.add(bindHost.toLowerCase())
  for (const host of (extra ?? '').split(',')) {
    const trimmed = host.trim().toLowerCase()
    if (trimmed) hosts.add(trimmed)
  }
  return hosts
}

/** `Host: example.com:8765` → `example.com`; `[::1]:8765` → `[::1]`. */
export function hostName(hostHeader: string): string {
  const value = hostHeader.trim().toLowerCase()
  if (value.startsWith('[')) return value.slice(0, value.indexOf(']') + 1)
  const colon = value.lastIndexOf(':')
  return colon === -1 ? value : value.slice(0, colon)
}

/**
 * The port of `host[:port]` per RFC 9110 §7.2 as clients really send it (a
 * name or IPv4 address, or a bracketed IPv6 one): its digits, '' without one,
 * null when the value is not that shape. Read by hand, not by a regular
 * expression: every request's Host goes through here, the first before the
 * proxy's first answer, and a process's first regular expression costs ~0.1 ms.
 */
export function hostPort(value: string): string | null {
  let at = 0
  if (value.charCodeAt(0) === 0x5b) {
    const close = value.indexOf(']')
    if (close < 2) return null
    for (at = 1; at < close; at++) if (!IPV6_CHARS[value.charCodeAt(at)]) return null
    at = close + 1
  } else {
    while (at < value.length && NAME_CHARS[value.charCodeAt(at)]) at++
    if (at === 0) return null
  }
  if (at === value.length) return ''
  if (value.charCodeAt(at) !== 0x3a || value.length - at - 1 < 1 || value.length - at - 1 > 5) return null
  for (let digit = at + 1; digit < value.length; digit++) if (!DIGITS[value.charCodeAt(digit)]) return null
  return value.slice(at + 1)
}


/**
 * Why a Host header is unusable, or null when it is fine. Empty, `a@b`, a
 * port past 65535, or two Host headers (Bun joins them with a comma; RFC
 * 9112 §3.2 says answer 400) must be a 400, not a URL error deeper down.
 */
export function hostHeaderProblem(host: string | null): string | null {
  if (host === null) return 'The request has no Host header.'
  const value = host.trim()
  if (!value) return 'The Host header is empty.'
  if (value.includes(',')) return 'The request has more than one Host header.'
  const port = hostPort(value)
  if (port === null) return 'The Host header is not a host name with an optional port.'
  if (port !== '' && (Number(port) < 1 || Number(port) > 65535)) return 'The Host header names a port outside 1-65535.'
  return null
}

function isLoopbackOrigin(origin: string, allowed: Set<string>): boolean {
  try {
    const url = new URL(origin)
    return (url.protocol === 'http:' || url.protocol === 'https:') && allowed.has(hostName(url.host))
  } catch {
    return false
  }
}

interface HostRefusal {
  kind: 'bad_request' | 'forbidden'
  message: string
}

// Clients send the same Host header on every request: its verdict is worked out once per allowlist.
const hostVerdicts = new WeakMap<Set<string>, Map<string, HostRefusal | null>>()

/**
 * Adds a name to an allowlist in use (the tunnel's, known only once the tunnel is up). The verdicts
 * worked out before go: one request with that Host that came in before would stay refused.
 */
export function allowHost(allowed: Set<string>, host: string): void {
  allowed.add(host)
  hostVerdicts.delete(allowed)
}
const MAX_CACHED_HOSTS = 256

function hostRefusal(host: string, allowed: Set<string>): HostRefusal | null {
  let verdicts = hostVerdicts.get(allowed)
  if (!verdicts) hostVerdicts.set(allowed, (verdicts = new Map()))
  let refusal = verdicts.get(host)
  if (refusal === undefined) {
    refusal = judgeHost(host, allowed)
    // Bounded: a scanner sending a new Host each time must not grow it.
    if (verdicts.size >= MAX_CACHED_HOSTS) verdicts.clear()
    verdicts.set(host, refusal)
  }
  return refusal
}

function judgeHost(host: string, allowed: Set<string>): HostRefusal | null {
  const problem = hostHeaderProblem(host)
  if (problem) return { kind: 'bad_request', message: `${problem} Send one Host header naming this server, such as 127.0.0.1:8765.` }
  if (!allowed.has(hostName(host))) return { kind: 'forbidden', message: `Host "${hostName(host)}" is not allowed. Add it to CODEX_SHIM_ALLOWED_HOSTS if you expose the proxy on purpose.` }
  return null
}

/**
 * Rejects what a web page could send: a foreign Host (DNS rebinding), a
 * foreign Origin or a cross-site fetch, and non-JSON POST bodies (a form or
 * `text/plain` post needs no CORS preflight, so it must fail here).
 */
export function checkRequest(request: Request, allowed: Set<string>): void {
  const host = request.headers.get('host')
  if (host !== null) {
    const refusal = hostRefusal(host, allowed)
    if (refusal) throw new ShimError(refusal.kind, refusal.message)
  }
  const origin = request.headers.get('origin')
  if (origin !== null && !isLoopbackOrigin(origin, allowed)) {
    throw new ShimError('forbidden', 'Cross-origin requests are not allowed: codex-shim serves local agents, not web pages.')
  }
  if (request.headers.get('sec-fetch-site') === 'cross-site') {
    throw new ShimError('forbidden', 'Cross-site requests are not allowed.')
  }
  if (request.method === 'POST') {
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
    if (type !== 'application/json' && !type.endsWith('+json')) {
      throw new ShimError('unsupported_media_type', `Expected Content-Type: application/json, got "${type || 'none'}".`)
    }
  }
}
