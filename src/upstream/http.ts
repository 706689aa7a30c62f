import { clientClosed, describeMs, ShimError } from '../errors.ts'
import { streamError, watchedReader } from '../sse/idle.ts'
import type { ProviderContext } from './context.ts'
import { backoffMs, retryDelayFor, sleepUnlessAborted, type RetryPolicy } from './retry.ts'

export interface UpstreamRequest {
  url: string
  headers: Record<string, string>
  body: string
  label: string
}

export interface OpenOptions {
  signal: AbortSignal
  fetch: typeof fetch
  headersTimeoutMs: number
  /** Retries before the first byte; none when absent. */
  retry?: RetryPolicy
  /** Statuses worth retrying for this upstream (default: 408, 429, 5xx, 529). */
  retryStatuses?: ReadonlySet<number>
  /** Told about each retry (for the request's log line). */
  onRetry?: (why: string) => void
}

export interface OpenedUpstream {
  response: Response
  abort: (reason?: unknown) => void
}

/** The open options every HTTP provider uses for one client request. */
export function upstreamOptions(context: ProviderContext, retryStatuses?: ReadonlySet<number>): OpenOptions {
  return { signal: context.signal, fetch: context.fetch, headersTimeoutMs: context.idleTimeoutMs, retry: context.retry, retryStatuses, onRetry: context.onRetry }
}

/**
 * POSTs to an upstream with the client's abort signal and a limit on the time
 * to response headers (lifted once headers arrive, so long streams are
 * governed by the idle timeout instead). A refused connection or a retryable
 * status is tried again per the retry policy; nothing has reached the client
 * yet at this point, so a retry is invisible except for the wait. Returns the
 * controller so the caller can abort the body later (client gone, idle timeout).
 */
export async function openUpstream(request: UpstreamRequest, options: OpenOptions): Promise<OpenedUpstream> {
  const policy = options.retry ?? { retries: 0, baseDelayMs: 0, maxDelayMs: 0 }
  for (let attempt = 0; ; attempt++) {
    let opened: OpenedUpstream
    try {
      opened = await attemptOnce(request, options)
    } catch (error) {
      if (!(error instanceof ShimError && error.kind === 'upstream_unreachable' && attempt < policy.retries)) throw error
      options.onRetry?.('connection failed')
      await sleepUnlessAborted(backoffMs(attempt, policy), options.signal)
      continue
    }
    const delay = opened.response.ok ? null : retryDelayFor(opened.response, attempt, policy, options.retryStatuses)
    if (delay === null) return opened
    opened.abort()
    options.onRetry?.(`HTTP ${opened.response.status}`)
    await sleepUnlessAborted(delay, options.signal)
  }
}

async function attemptOnce(request: UpstreamRequest, options: OpenOptions): Promise<OpenedUpstream> {
  const controller = new AbortController()
  const onClientAbort = () => controller.abort(options.signal.reason)
  if (options.signal.aborted) onClientAbort()
  else options.signal.addEventListener('abort', onClientAbort, { once: true })
  let timedOut = false
  const timer =
    options.headersTimeoutMs > 0
      ? setTimeout(() => {
          timedOut = true
          controller.abort()
        }, options.headersTimeoutMs)
      : undefined
  try {
    const response = await options.fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, signal: controller.signal })
    return {
      response,
      abort: (reason) => {
        options.signal.removeEventListener('abort', onClientAbort)
        controller.abort(reason)
      },
    }
  } catch (error) {
    options.signal.removeEventListener('abort', onClientAbort)
    if (timedOut) throw new ShimError('upstream_timeout', `${request.label} sent no response headers within ${describeMs(options.headersTimeoutMs)}.`)
    if (options.signal.aborted) throw clientClosed()
    const reason = error instanceof Error ? error.message : String(error)
    throw new ShimError('upstream_unreachable', `Could not reach ${request.label}: ${reason}. Is the base_url right and the server up?`, { status: 502 })
  } finally {
    clearTimeout(timer)
  }
}

/** Reads at most `limit` bytes of an error body; an error page must not cost unbounded memory. */
export async function readBounded(response: Response, limit = 64 * 1024): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < limit) {
      const { value, done } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } finally {
    reader.cancel().catch(() => {})
  }
  return new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit))
}

/**
 * A whole non-streamed body (a JSON answer on a fast path), read with the
 * idle timeout between chunks and a size cap, so a stalled or broken upstream
 * becomes a clean error status instead of a 200 that never finishes.
 */
export async function readWhole(response: Response, options: { idleTimeoutMs: number; limit?: number; label: string }): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array()
  const limit = options.limit ?? 256 * 1024 * 1024
  const reader = watchedReader(response.body, options.idleTimeoutMs)
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) {
        reader.release()
        return Buffer.concat(chunks)
      }
      size += value.byteLength
      if (size > limit) throw new ShimError('upstream_stream', `${options.label} sent an answer larger than ${Math.round(limit / 1024 / 1024)} MiB.`)
      chunks.push(value)
    }
  } catch (error) {
    void reader.cancel(error)
    throw streamError(error)
  }
}
