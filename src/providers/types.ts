import type { ConsolaInstance } from 'consola'
import type { ResponsesEvent, ResponsesRequest } from '../canonical/types.ts'
import type { RetryPolicy } from './retry.ts'

/** What a provider gets for one request. */
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
}

export interface ProviderStream {
  events: ReadableStream<ResponsesEvent>
  /** The same stream with the client's encoder fused in (one stage, batched per upstream chunk). */
  encoded?: (encode: (event: ResponsesEvent) => string) => ReadableStream<Uint8Array>
  /** Response headers to pass to the client (e.g. rate-limit headers). */
  headers?: Record<string, string>
}

/**
 * An upstream. `open` resolves once the upstream accepted the request (HTTP
 * 200) and throws a ShimError for anything before that; after that, failures
 * arrive as the stream's terminal `response.failed` event.
 */
export interface Provider {
  readonly label: string
  open(request: ResponsesRequest, context: ProviderContext): Promise<ProviderStream>
}

/** A ProviderStream over a decoded SSE body; `events` is built only if read. */
export function providerStream(decoded: { events(): ReadableStream<ResponsesEvent>; encoded(encode: (event: ResponsesEvent) => string): ReadableStream<Uint8Array> }, headers?: Record<string, string>): ProviderStream {
  return {
    get events() {
      return decoded.events()
    },
    encoded: (encode) => decoded.encoded(encode),
    ...(headers && { headers }),
  }
}
