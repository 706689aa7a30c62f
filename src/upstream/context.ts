import type { ConsolaInstance } from 'consola'
import type { StreamTracker } from '../sse/tracker.ts'
import type { RetryPolicy } from './retry.ts'

/** What the upstream side gets for one client request. */
export interface ProviderContext {
  /** Aborts when the client disconnects; passed to fetch / kills subprocesses. */
  signal: AbortSignal
  fetch: typeof fetch
  log: ConsolaInstance
  /** Limit for the upstream's response headers and for silence mid-stream. */
  idleTimeoutMs: number
  /** The client's request headers (for passthrough providers; never logged). */
  clientHeaders: Headers
  /** Retries before the first byte. */
  retry: RetryPolicy
  /** Called once per retry (the request's log line counts them). */
  onRetry: (why: string) => void
  /** Lifts the client connection's idle limit: a long stream is about to start. */
  keepAlive: () => void
  /** Told what a streamed answer sends, by streams that can say it themselves (the fast paths). */
  tracker?: StreamTracker
}

const labels = new Map<string, Map<string, string>>()

/** The upstream's host only: base URLs can carry keys in userinfo or query strings. Computed once per upstream. */
export function upstreamLabel(provider: string, baseUrl: string): string {
  let byBase = labels.get(provider)
  if (byBase === undefined) labels.set(provider, (byBase = new Map()))
  let label = byBase.get(baseUrl)
  if (label === undefined) {
    try {
      label = `${provider}@${new URL(baseUrl).host}`
    } catch {
      label = provider
    }
    // Settings hold a handful of upstreams; a bound keeps a pathological caller from growing this.
    if (byBase.size < 1024) byBase.set(baseUrl, label)
  }
  return label
}
