import type { ConsolaInstance } from 'consola'

/** What one request's log line says. Never a body, key or token. */
export interface RequestSummary {
  method: string
  path: string
  slug?: string
  upstream?: string
  status?: number
  stream?: boolean
  outcome?: string
  /** Upstream attempts retried before the first byte. */
  retries?: number
  startedAt: number
}

export function formatSummary(summary: RequestSummary, now = performance.now()): string {
  const ms = (now - summary.startedAt).toFixed(1)
  const parts = [
    summary.method,
    summary.path,
    `model=${summary.slug ?? '-'}`,
    `upstream=${summary.upstream ?? '-'}`,
    `status=${summary.status ?? '-'}`,
    `${ms}ms`,
    `stream=${summary.stream ? 'yes' : 'no'}`,
  ]
  if (summary.retries) parts.push(`retries=${summary.retries}`)
  if (summary.outcome) parts.push(`outcome=${summary.outcome}`)
  return parts.join(' ')
}

/**
 * Logs the summary when the response body has been fully sent (or the client
 * went away), so the line carries the real duration of a streamed turn.
 */
export function logWhenDone(response: Response, summary: RequestSummary, log: ConsolaInstance, onEnd?: () => void): Response {
  summary.status = response.status
  if (!response.body || !summary.stream) {
    log.info(formatSummary(summary))
    return response
  }
  let logged = false
  const once = (outcome?: string) => {
    if (logged) return
    logged = true
    onEnd?.()
    if (outcome) summary.outcome = outcome
    log.info(formatSummary(summary))
  }
  const reader = response.body.getReader()
  // Pull-through (not a TransformStream): a client disconnect must reach cancel().
  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { value, done } = await reader.read()
        if (done) {
          once()
          controller.close()
        } else controller.enqueue(value)
      },
      cancel(reason) {
        once('client-closed')
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
}

/** The upstream's host only: base URLs can carry keys in query strings. */
export function upstreamLabel(provider: string, baseUrl: string): string {
  try {
    return `${provider}@${new URL(baseUrl).host}`
  } catch {
    return provider
  }
}
