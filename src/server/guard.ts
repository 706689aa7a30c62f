import { ShimError } from '../errors.ts'

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

function isLoopbackOrigin(origin: string, allowed: Set<string>): boolean {
  try {
    const url = new URL(origin)
    return (url.protocol === 'http:' || url.protocol === 'https:') && allowed.has(hostName(url.host))
  } catch {
    return false
  }
}

/**
 * Rejects what a web page could send: a foreign Host (DNS rebinding), a
 * foreign Origin or a cross-site fetch, and non-JSON POST bodies (a form or
 * `text/plain` post needs no CORS preflight, so it must fail here).
 */
export function checkRequest(request: Request, allowed: Set<string>): void {
  const host = request.headers.get('host')
  if (host !== null && !allowed.has(hostName(host))) {
    throw new ShimError('forbidden', `Host "${hostName(host)}" is not allowed. Add it to CODEX_SHIM_ALLOWED_HOSTS if you expose the proxy on purpose.`)
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
