import { readWhole } from '../providers/http.ts'
import { SSE_HEADERS } from '../sse/encode.ts'
import { watchPassthrough, type PassthroughDialect } from '../sse/watch.ts'
import type { RouteContext } from './context.ts'

/**
 * A same-dialect fast path's answer to the client. A stream (the client asked
 * for one and the upstream sends SSE, or sends no content type) flows through
 * the watchdog, which turns silence or a broken upstream into the dialect's
 * error event; anything else is read whole with the idle timeout, so a
 * stalled answer becomes an error status rather than a 200 that never ends.
 */
export async function passthroughResponse(context: RouteContext, upstream: Response, stream: boolean, dialect: PassthroughDialect): Promise<Response> {
  const type = upstream.headers.get('content-type') ?? (stream ? SSE_HEADERS['content-type'] : 'application/json')
  const idleTimeoutMs = context.deps.idleTimeoutMs
  if (!stream || !upstream.body || !type.includes('text/event-stream')) {
    return new Response(await readWhole(upstream, { idleTimeoutMs, label: context.summary.upstream ?? 'The upstream' }), { status: 200, headers: { 'content-type': type } })
  }
  context.keepAlive()
  return new Response(watchPassthrough(upstream.body, dialect, { idleTimeoutMs }), { status: 200, headers: { ...SSE_HEADERS, 'content-type': type } })
}
