import type { Log } from '../log.ts'
import { describeMs } from '../errors.ts'

/**
 * A circuit breaker per model: after `threshold` failures in a row the model
 * is skipped for `coolDownMs`, so a dead upstream does not cost every request
 * a connection attempt before its fallback. After the cool-down the next
 * request tries it again; one more failure opens it again at once, a success
 * forgets it.
 */

export interface BreakerOptions {
  /** Failures in a row that open the breaker (default 3). */
  threshold?: number
  /** How long an open breaker skips the model (default 60 s). */
  coolDownMs?: number
  now?: () => number
  log?: Log
}

export interface CoolingDown {
  slug: string
  failures: number
  /** Epoch ms (by the breaker's clock) when the model is tried again. */
  until: number
}

export class CircuitBreaker {
  readonly threshold: number
  readonly coolDownMs: number
  private readonly now: () => number
  private readonly log?: Log
  private readonly state = new Map<string, { failures: number; until: number }>()

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.threshold ?? 3
    this.coolDownMs = options.coolDownMs ?? 60_000
    this.now = options.now ?? Date.now
    this.log = options.log
  }

  /** False while the model is cooling down. */
  allows(slug: string): boolean {
    const entry = this.state.get(slug)
    return !entry || entry.until <= this.now()
  }

  failure(slug: string): void {
    const entry = this.state.get(slug) ?? { failures: 0, until: 0 }
    entry.failures++
    if (entry.failures >= this.threshold) {
      entry.until = this.now() + this.coolDownMs
      this.log?.warn(`${slug} failed ${entry.failures} times in a row; skipping it for ${describeMs(this.coolDownMs)}`)
    }
    this.state.set(slug, entry)
  }

  success(slug: string): void {
    this.state.delete(slug)
  }

  /** Models skipped right now, for `/health`. */
  coolingDown(): CoolingDown[] {
    const now = this.now()
    return [...this.state.entries()].filter(([, entry]) => entry.until > now).map(([slug, entry]) => ({ slug, failures: entry.failures, until: entry.until }))
  }
}
