import { readFileSync } from 'node:fs'
import { shimPaths } from '../paths.ts'
export interface HealthReport {
  ok: boolean
  name?: string
  version?: string
  pid?: number
  models?: number
  uptime_s?: number
  chatgpt_passthrough?: boolean
  cursor_passthrough?: boolean
}

export function clientHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host
}

/**
 * The token this user's proxy may require (`CODEX_SHIM_TOKEN`, else the one `start --tunnel`
 * stored), as a header: a proxy with a token tells only its callers with it more than "up".
 */
export function tokenHeaders(env: Record<string, string | undefined> = process.env): Record<string, string> {
  let token = env.CODEX_SHIM_TOKEN
  if (!token) {
    try {
      token = readFileSync(shimPaths.token(), 'utf8').trim()
    } catch {
      return {}
    }
  }
  return token ? { authorization: `Bearer ${token}` } : {}
}

/**
 * GET /health; null when nothing answers, `{ok:false}` when something that is not us answers.
 * `ours`: the address our own pid file or child names, which may be sent the token; whatever
 * else holds a port is not.
 */
export async function probeHealth(host: string, port: number, timeoutMs = 1500, ours = false): Promise<HealthReport | null> {
  try {
    const response = await fetch(`http://${clientHost(host)}:${port}/health`, { signal: AbortSignal.timeout(timeoutMs), headers: ours ? tokenHeaders() : {} })
    const body = (await response.json().catch(() => null)) as HealthReport | null
    if (response.ok && body?.name === 'codex-shim') return body
    return { ok: false }
  } catch (error) {
    // A TCP connection that answers garbage still means the port is taken.
    const code = (error as { code?: string }).code
    if (code === 'ConnectionRefused' || code === 'ECONNREFUSED' || (error as Error).name === 'TimeoutError') return null
    return { ok: false }
  }
}

/** True when something accepts TCP connections on the port. */
export async function portInUse(host: string, port: number): Promise<boolean> {
  try {
    const socket = await Bun.connect({ hostname: host === '0.0.0.0' ? '127.0.0.1' : host.replace(/^\[|\]$/g, ''), port, socket: { data() {}, open() {}, error() {} } })
    socket.end()
    return true
  } catch {
    return false
  }
}
