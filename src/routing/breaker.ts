import type { Log } from '../log.ts'
import { describeMs } from '../errors.ts'

/**
 * A circuit breaker per model: after `threshold` failures in a row the model
 * is skipped for `coolDownMs`, so a dead upstream does not cost every request
 * a connection attempt before its fallback. After the cool-down one request
 * tries it again (half-open) while the others keep skipping it: a hung model
 * then costs one request its timeout, not every request in flight. One more
 * failure opens it again at once; an answer (even a refusal) forgets it. A
 * client that leaves first changes nothing. A probe that never reports back
 * frees its slot after another cool-down.
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
  private readonly state = new Map<string, { failures: number; until: number; probeSince?: number }>()

  constructor(options: BreakerOptions = {}) {
    this.threshold = options.threshold ?? 3
    this.coolDownMs = options.coolDownMs ?? 60_000
    this.now = options.now ?? Date.now
    this.log = options.log
  }

  /** False while the model is cooling down, or after it while another request probes it. Changes nothing. */
  allows(slug: string): boolean {
    const entry = this.state.get(slug)
    if (!entry || entry.failures < this.threshold) return true
    const now = this.now()
    return entry.until <= now && !this.probing(entry, now)
  }

  /**
   * Called just before a request tries the model: true when it may, taking the
   * probe when the model's cool-down is over; false when another request holds
   * the probe. A caller told true reports back (success or failure).
   */
  claim(slug: string): boolean {
    const entry = this.state.get(slug)
    if (!entry || entry.failures < this.threshold) return true
    const now = this.now()
    if (entry.until > now || this.probing(entry, now)) return false
    entry.probeSince = now
    return true
  }

  private probing(entry: { probeSince?: number }, now: number): boolean {
    return entry.probeSince !== undefined && now - entry.probeSince < this.coolDownMs
  }

  failure(slug: string): void {
    const entry = this.state.get(slug) ?? { failures: 0, until: 0 }
    entry.failures++
    entry.probeSince = undefined
    if (entry.failures >= this.threshold) {
      entry.until = this.now() + this.coolDownMs
      this.log?.warn(`${slug} failed ${entry.failures} times in a row; skipping it for ${describeMs(this.coolDownMs)}`)
    }
    this.state.set(slug, entry)
  }

  success(slug: string): void {
    this.state.delete(slug)
  }

  /**
   * The request that claimed the model ended without learning anything about it
   * (its client went away): the count stays, and a probe it held is freed, so the
   * next request probes instead of waiting out another cool-down.
   */
  release(slug: string, probe: number | undefined): void {
    const entry = this.state.get(slug)
    // Another request's probe (taken since, or this one never took any) is not this one's to free.
    if (entry && probe !== undefined && entry.probeSince === probe) entry.probeSince = undefined
  }

  /** When the model's current probe was taken (`claim`), if one is out: what a prober later frees by. */
  probeOf(slug: string): number | undefined {
    return this.state.get(slug)?.probeSince
  }

  /** Models skipped right now, for `/health`. */
  coolingDown(): CoolingDown[] {
    const now = this.now()
    return [...this.state.entries()].filter(([, entry]) => entry.until > now).map(([slug, entry]) => ({ slug, failures: entry.failures, until: entry.until }))
  }
}
