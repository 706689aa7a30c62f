import { ShimError } from '../errors.ts'

export interface UpstreamRequest {
  url: string
  headers: Record<string, string>
  body: string
  label: string
}

/**
 * POSTs to an upstream with the client's abort signal and a limit on the time
 * to response headers (the limit is lifted once headers arrive, so long
 * streams are governed by the idle timeout instead). Returns the controller
 * so the caller can abort the body later (client gone, idle timeout).
 */
export async function openUpstream(request: UpstreamRequest, options: { signal: AbortSignal; fetch: typeof fetch; headersTimeoutMs: number }): Promise<{ response: Response; abort: (reason?: unknown) => void }> {
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
    if (timedOut) throw new ShimError('upstream_timeout', `${request.label} sent no response headers within ${Math.round(options.headersTimeoutMs / 1000)} s.`)
    if (options.signal.aborted) throw new ShimError('upstream_stream', 'The client closed the request.', { status: 499 })
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
