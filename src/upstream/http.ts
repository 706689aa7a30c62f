import { clientClosed, describeMs, describeNetworkError, ShimError } from '../errors.ts'
import { streamError, watchedReader } from '../sse/idle.ts'
import type { ProviderContext } from './context.ts'
import { redactText, rememberSecrets, secretsFor, sentSecrets } from './redact-sent.ts'
import { backoffMs, retryDelayFor, sleepUnlessAborted, type RetryPolicy } from './retry.ts'

export interface UpstreamRequest {
  url: string
  headers: Record<string, string>
  /** Absent for a `GET` or `DELETE` (reading or deleting a stored response); a POST otherwise. */
  body?: string
  method?: 'POST' | 'GET' | 'DELETE'
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
  /** Told when a request is about to go out (the log line names an upstream only once one was contacted). */
  onContact?: () => void
}

export interface OpenedUpstream {
  response: Response
  abort: (reason?: unknown) => void
}

/** The open options every HTTP provider uses for one client request. */
export function upstreamOptions(context: ProviderContext, retryStatuses?: ReadonlySet<number>): OpenOptions {
  return { signal: context.signal, fetch: context.fetch, headersTimeoutMs: context.idleTimeoutMs, retry: context.retry, retryStatuses, onRetry: context.onRetry, onContact: context.onContact }
}

/** The host a redirect points to, never its path or query (they can carry tokens). */
function redirectHost(response: Response, requestUrl: string): string {
  const location = response.headers.get('location')
  if (!location) return 'nowhere (no Location header)'
  try {
    return new URL(location, requestUrl).host || 'an unnamed host'
  } catch {
    return 'an unparseable Location'
  }
}

/**
 * Sends a request (a POST unless it says otherwise) to an upstream with the client's abort signal and a limit on the time
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
    options.onContact?.()
    // Never follow a redirect: fetch would re-send our key and extra headers to whatever host it names.
    const response = await options.fetch(request.url, { method: request.method ?? 'POST', headers: request.headers, body: request.body, signal: controller.signal, redirect: 'manual' })
    if (response.status >= 300 && response.status < 400) {
      controller.abort()
      options.signal.removeEventListener('abort', onClientAbort)
      throw new ShimError('upstream_http', `${request.label} answered HTTP ${response.status}, a redirect to ${redirectHost(response, request.url)}; codex-shim does not follow upstream redirects (they would carry your key). Set base_url to the final address.`, { status: 502, code: 'upstream_redirect' })
    }
    rememberSecrets(response, sentSecrets(request.headers, request.url))
    if (options.headersTimeoutMs > 0) idleLimits.set(response, options.headersTimeoutMs)
    return {
      response,
      abort: (reason) => {
        options.signal.removeEventListener('abort', onClientAbort)
        controller.abort(reason)
      },
    }
  } catch (error) {
    if (error instanceof ShimError) throw error
    options.signal.removeEventListener('abort', onClientAbort)
    if (timedOut) throw new ShimError('upstream_timeout', `${request.label} sent no response headers within ${describeMs(options.headersTimeoutMs)}.`)
    if (options.signal.aborted) throw clientClosed()
    throw new ShimError('upstream_unreachable', `Could not reach ${request.label}: ${describeNetworkError(error)}. Is the base_url right and the server up?`, { status: 502 })
  } finally {
    clearTimeout(timer)
  }
}

// The idle limit each upstream response was opened with: an error body is read under it too, by
// readers (readBounded) that are handed the response alone.
const idleLimits = new WeakMap<Response, number>()

/**
 * Reads at most `limit` bytes of an error body; an error page must not cost unbounded memory, nor
 * unbounded time: a body that stalls past the idle limit, or breaks, ends the read with what came
 * (the status already says the request failed; the caller reports it, rather than waiting on a page).
 */
export async function readBounded(response: Response, limit = 64 * 1024): Promise<string> {
  if (!response.body) return ''
  const reader = watchedReader(response.body, idleLimits.get(response) ?? 0)
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < limit) {
      const { value, done } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.byteLength
    }
  } catch {
    // Silence or a broken connection mid-page: what was read is all there is.
  } finally {
    void reader.cancel()
  }
  // An error page that quotes our request headers must not carry our key any further;
  // a page cut at the limit loses its last few characters too, which could begin one.
  const secrets = secretsFor(response)
  const text = redactText(new TextDecoder().decode(Buffer.concat(chunks).subarray(0, limit)), secrets)
  return size > limit && secrets.length ? text.slice(0, Math.max(0, text.length - secrets[0]!.length)) : text
}

export const DEFAULT_MAX_UPSTREAM_BODY_BYTES = 64 * 1024 * 1024

/** The most of one non-streamed upstream answer we hold (after decompression). */
export function maxUpstreamBodyBytes(): number {
  const configured = Number(process.env.CODEX_SHIM_MAX_UPSTREAM_BODY_BYTES)
  return Number.isFinite(configured) && configured > 0 ? configured : DEFAULT_MAX_UPSTREAM_BODY_BYTES
}

/**
 * A whole non-streamed body (a JSON answer on a fast path), read with the
 * idle timeout between chunks and a size cap, so a stalled or broken upstream
 * becomes a clean error status instead of a 200 that never finishes.
 */
export async function readWhole(response: Response, options: { idleTimeoutMs: number; limit?: number; label: string }): Promise<Uint8Array> {
  if (!response.body) return new Uint8Array()
  // Counted as read, after fetch's own decompression: a small gzip body that inflates
  // without end stops here, a chunk past the limit, not when memory runs out.
  const limit = options.limit ?? maxUpstreamBodyBytes()
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
      if (size > limit) throw new ShimError('upstream_stream', `${options.label} sent an answer larger than ${describeBytes(limit)}; raise CODEX_SHIM_MAX_UPSTREAM_BODY_BYTES if this is intended.`, { code: 'upstream_too_large' })
      chunks.push(value)
    }
  } catch (error) {
    void reader.cancel(error)
    throw streamError(error)
  }
}

/** "64 MiB", or "512 KiB" below a MiB: limits in messages. */
export function describeBytes(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${Math.round(bytes / 1024 / 1024)} MiB` : `${Math.round(bytes / 1024)} KiB`
}
