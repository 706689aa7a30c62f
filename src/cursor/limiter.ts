import { clientClosed, ShimError } from '../errors.ts'
import { positiveIntFromEnv } from './spawn.ts'

export const DEFAULT_CONCURRENCY = 2
export const DEFAULT_QUEUE = 8
/** What a refused client is told to wait: about one short turn. */
const RETRY_AFTER_SECONDS = '10'

interface Waiter {
  resolve: (release: () => void) => void
  reject: (error: ShimError) => void
  signal?: AbortSignal
  onAbort?: () => void
}

/**
 * At most `max` cursor-agent runs at once (each is a Node app, and the
 * subscription has its own rate limits); up to `queue` more wait in order,
 * and beyond that a request gets a 429 with `retry-after`, which Codex and
 * the SDKs retry.
 */
export class CursorLimiter {
  private running = 0
  private readonly waiters: Waiter[] = []

  constructor(
    readonly max = DEFAULT_CONCURRENCY,
    readonly queue = DEFAULT_QUEUE,
  ) {}

  get active(): number {
    return this.running
  }

  get waiting(): number {
    return this.waiters.length
  }

  /** Resolves with a release function once a slot is free; call it exactly when the run has ended. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(clientClosed())
    if (this.running < this.max) {
      this.running++
      return Promise.resolve(this.releaser())
    }
    if (this.waiters.length >= this.queue) {
      return Promise.reject(
        new ShimError('upstream_http', `cursor-agent is busy: ${this.running} runs in progress and ${this.waiters.length} waiting (CODEX_SHIM_CURSOR_CONCURRENCY, CODEX_SHIM_CURSOR_QUEUE). Retry shortly.`, {
          status: 429,
          retryAfter: RETRY_AFTER_SECONDS,
          code: 'rate_limit_exceeded',
        }),
      )
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject, signal }
      if (signal) {
        waiter.onAbort = () => {
          const index = this.waiters.indexOf(waiter)
          if (index !== -1) this.waiters.splice(index, 1)
          reject(clientClosed())
        }
        signal.addEventListener('abort', waiter.onAbort, { once: true })
      }
      this.waiters.push(waiter)
    })
  }

  private releaser(): () => void {
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.waiters.shift()
      if (!next) {
        this.running--
        return
      }
      if (next.onAbort) next.signal?.removeEventListener('abort', next.onAbort)
      next.resolve(this.releaser()) // the slot passes on: `running` is unchanged
    }
  }
}

export function cursorLimiterFromEnv(env: Record<string, string | undefined> = process.env): CursorLimiter {
  return new CursorLimiter(positiveIntFromEnv(env, 'CODEX_SHIM_CURSOR_CONCURRENCY', DEFAULT_CONCURRENCY), positiveIntFromEnv(env, 'CODEX_SHIM_CURSOR_QUEUE', DEFAULT_QUEUE))
}
