import { ShimError } from '../errors.ts'

export const DEFAULT_STORE_MB = 128
export const DEFAULT_STORE_TTL_SECONDS = 24 * 60 * 60

export interface StoreLimits {
  /** Cap on the JSON length of everything held; 0 keeps nothing. */
  limitBytes: number
  /** An entry not used for this long is forgotten. */
  ttlMs: number
}

function readNumber(env: Record<string, string | undefined>, name: string, fallback: number, what: string): number {
  const raw = env[name]
  if (raw === undefined || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) {
    throw new ShimError('config', `${name}="${raw.slice(0, 32)}" is not ${what}; set a number such as ${fallback}, or unset it for the default (${fallback}).`)
  }
  return value
}

/**
 * The response store's bounds: `CODEX_SHIM_RESPONSE_STORE_MB` (default 128,
 * 0 turns storing off) and `CODEX_SHIM_RESPONSE_STORE_TTL_S` (idle seconds,
 * default 86400). A malformed value is a settings error, not a silent default.
 */
export function storeLimitsFromEnv(env: Record<string, string | undefined> = process.env): StoreLimits {
  const megabytes = readNumber(env, 'CODEX_SHIM_RESPONSE_STORE_MB', DEFAULT_STORE_MB, 'a size in MiB (0 or more)')
  const seconds = readNumber(env, 'CODEX_SHIM_RESPONSE_STORE_TTL_S', DEFAULT_STORE_TTL_SECONDS, 'a number of seconds (0 or more)')
  if (seconds === 0) throw new ShimError('config', 'CODEX_SHIM_RESPONSE_STORE_TTL_S=0 would forget every response at once; set CODEX_SHIM_RESPONSE_STORE_MB=0 to turn the store off.')
  return { limitBytes: Math.floor(megabytes * 1024 * 1024), ttlMs: seconds * 1000 }
}
