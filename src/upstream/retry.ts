import { clientClosed } from '../errors.ts'

/**
 * Retries before the first byte. A refused connection (a local Ollama
 * restarting) or an overloaded upstream (429/5xx/529 with no or a short
 * `retry-after`) is tried again after a short, bounded backoff. Only the
 * opening of a request is ever retried: once a byte has gone to the client,
 * a failure is reported, because replaying half a turn would duplicate output.
 */
export interface RetryPolicy {
  /** Extra attempts after the first (0 turns retries off). */
  retries: number
  /** First backoff; doubles per attempt, with jitter. */
  baseDelayMs: number
  /** Longest single wait, and the longest `retry-after` we honour; a longer one goes to the client. */
  maxDelayMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 2, baseDelayMs: 250, maxDelayMs: 2_000 }

/** HTTP statuses that mean "try again shortly" on every provider we speak to (529: Anthropic overloaded). */
export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([408, 429, 500, 502, 503, 504, 529])

/** `CODEX_SHIM_RETRIES` (extra attempts, 0 = off) and `CODEX_SHIM_RETRY_MAX_DELAY_MS`. */
export function retryPolicyFromEnv(env: Record<string, string | undefined> = process.env): RetryPolicy {
  const read = (name: string, fallback: number, max: number) => {
    const raw = env[name]
    const value = Number(raw)
    return raw && Number.isInteger(value) && value >= 0 ? Math.min(value, max) : fallback
  }
  return {
    retries: read('CODEX_SHIM_RETRIES', DEFAULT_RETRY_POLICY.retries, 10),
    baseDelayMs: DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: read('CODEX_SHIM_RETRY_MAX_DELAY_MS', DEFAULT_RETRY_POLICY.maxDelayMs, 60_000),
  }
}

/** `retry-after-ms` (OpenAI), else `retry-after` in seconds or as an HTTP date; null when absent or unreadable. */
export function retryAfterMs(headers: Headers, now = Date.now()): number | null {
  const ms = Number(headers.get('retry-after-ms'))
  if (headers.get('retry-after-ms') && Number.isFinite(ms) && ms >= 0) return ms
  const raw = headers.get('retry-after')
  if (!raw) return null
  const seconds = Number(raw)
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000
  const date = Date.parse(raw)
  return Number.isNaN(date) ? null : Math.max(0, date - now)
}

/** Exponential backoff with full jitter in the upper half, capped. */
export function backoffMs(attempt: number, policy: RetryPolicy, random = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt)
  return Math.round(ceiling / 2 + random() * (ceiling / 2))
}

/**
 * How long to wait before retrying this answer, or null when it must go to
 * the client as is: a non-retryable status, `x-should-retry: false`, retries
 * used up, or a `retry-after` longer than we are willing to hold the client.
 */
export function retryDelayFor(response: Response, attempt: number, policy: RetryPolicy, statuses: ReadonlySet<number> = RETRYABLE_STATUSES): number | null {
  const hint = response.headers.get('x-should-retry')
  if (hint === 'false') return null
  return retryDelayForStatus(response.status, attempt, policy, { statuses, retryable: hint === 'true', afterMs: retryAfterMs(response.headers) })
}

/**
 * The same judgement for a failure known by its status alone (an error event in an upstream's
 * first read, which carries no headers): `retryable` when the upstream said so whatever the status.
 */
export function retryDelayForStatus(status: number, attempt: number, policy: RetryPolicy, options: { statuses?: ReadonlySet<number>; retryable?: boolean; afterMs?: number | null } = {}): number | null {
  if (attempt >= policy.retries) return null
  if (!(options.statuses ?? RETRYABLE_STATUSES).has(status) && !options.retryable) return null
  const after = options.afterMs ?? null
  if (after === null) return backoffMs(attempt, policy)
  return after <= policy.maxDelayMs ? after : null
}

/** Waits, or rejects as soon as the client goes away; leaves no timer or listener behind. */
export function sleepUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(clientClosed())
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer)
      reject(clientClosed())
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
