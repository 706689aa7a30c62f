import type { StreamTracker } from '../sse/tracker.ts'
import { SSE_HEADERS } from '../sse/encode.ts'
import { watchPassthrough, type PassthroughDialect } from '../sse/watch.ts'
import { readWhole } from './http.ts'

export interface PassthroughOptions {
  /** Whether the client asked for a stream. */
  stream: boolean
  dialect: PassthroughDialect
  /** The model name the client asked for: what it must see in the answer, whatever the upstream calls it. */
  clientModel: string
  idleTimeoutMs: number
  label: string
  keepAlive: () => void
  /** Aborts the upstream request (client gone, idle timeout). */
  onAbort?: (reason: unknown) => void
  /** Extra response headers for the client (rate limits, turn state). */
  headers?: Record<string, string>
  /** Told the usage the answer reported. */
  onUsage?: (usage: unknown) => void
  /** Told what the stream sends (see StreamTracker). */
  tracker?: StreamTracker
}

/**
 * A same-dialect fast path's answer to the client. A stream (the client asked
 * for one and the upstream sends SSE, or sends no content type) flows through
 * the watchdog, which turns silence or a broken upstream into the dialect's
 * error event; anything else is read whole with the idle timeout, so a
 * stalled answer becomes an error status rather than a 200 that never ends.
 * Either way the answer's top-level `model` becomes the name the client used:
 * Claude Code, for one, drops thinking blocks it believes another model made.
 */
export async function passthroughResponse(upstream: Response, options: PassthroughOptions): Promise<Response> {
  const type = upstream.headers.get('content-type') ?? (options.stream ? SSE_HEADERS['content-type'] : 'application/json')
  const headers = options.headers ?? {}
  if (!options.stream || !upstream.body || !type.includes('text/event-stream')) {
    const bytes = await readWhole(upstream, { idleTimeoutMs: options.idleTimeoutMs, label: options.label })
    return new Response(renameModelInJson(bytes, options.clientModel, options.onUsage), { status: upstream.status, headers: { ...headers, 'content-type': type } })
  }
  options.keepAlive()
  const body = watchPassthrough(upstream.body, options.dialect, { idleTimeoutMs: options.idleTimeoutMs, onAbort: options.onAbort, rename: options.clientModel, onUsage: options.onUsage, tracker: options.tracker })
  return new Response(body, { status: 200, headers: options.headers ? { ...SSE_HEADERS, ...headers, 'content-type': type } : sseHeaders(type) })
}

// A Headers object is copied into each Response far faster than a plain object is read into one,
// and upstreams send one or two content types: one shared, never mutated, per type.
const sseHeadersByType = new Map<string, Headers>()

function sseHeaders(type: string): Headers {
  let headers = sseHeadersByType.get(type)
  if (!headers) {
    headers = new Headers({ ...SSE_HEADERS, 'content-type': type })
    if (sseHeadersByType.size < 64) sseHeadersByType.set(type, headers)
  }
  return headers
}

/** A whole JSON answer with its top-level `model` renamed; other bytes are left as they came. */
export function renameModelInJson(bytes: Uint8Array, model: string, onUsage?: (usage: unknown) => void): Uint8Array | string {
  if (!bytes.length) return bytes
  let parsed: unknown
  try {
    parsed = JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    return bytes
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return bytes
  const usage = (parsed as { usage?: unknown }).usage
  if (usage && typeof usage === 'object') onUsage?.(usage)
  if (typeof (parsed as { model?: unknown }).model !== 'string') return bytes
  if ((parsed as { model: string }).model === model) return bytes
  return JSON.stringify({ ...(parsed as object), model })
}
