import type { Log } from '../log.ts'
import type { StreamTracker } from '../sse/tracker.ts'
import type { RetryPolicy } from './retry.ts'
import { baseUrlHost } from './base-url.ts'

/** What the upstream side gets for one client request. */
export interface ProviderContext {
  /** Aborts when the client disconnects; passed to fetch / kills subprocesses. */
  signal: AbortSignal
  fetch: typeof fetch
  log: Log
  /** Limit for the upstream's response headers and for silence mid-stream. */
  idleTimeoutMs: number
  /** The client's request headers (for passthrough providers; never logged). */
  clientHeaders: Headers
  /** Retries before the first byte. */
  retry: RetryPolicy
  /** Called once per retry (the request's log line counts them). */
  onRetry: (why: string) => void
  /** Called as a request goes to the upstream: a failure before that is ours or the client's, not the upstream's. */
  onContact?: () => void
  /** Lifts the client connection's idle limit: a long stream is about to start. */
  keepAlive: () => void
  /** Told what a streamed answer sends, by streams that can say it themselves (the fast paths). */
  tracker?: StreamTracker
}

/** `provider@host` for logs and errors: the upstream's host only, never its keys. */
export function upstreamLabel(provider: string, baseUrl: string): string {
  const host = baseUrlHost(baseUrl)?.host
  return host ? `${provider}@${host}` : provider
}
