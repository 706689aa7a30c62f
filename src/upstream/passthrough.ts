import { ShimError } from '../errors.ts'
import type { StreamTracker } from '../sse/tracker.ts'
import { SSE_HEADERS } from '../sse/encode.ts'
import { eventsMentioning, watchPassthrough, type PassthroughDialect } from '../sse/watch.ts'
import { readErrorBody } from '../canonical/upstream-error.ts'
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
  /** Told the id the upstream gave its answer (`PassthroughDialect.answerId`). */
  onAnswerId?: (id: string) => void
  /** Told what the stream sends (see StreamTracker). */
  tracker?: StreamTracker
  /** The client's request, for what the stream it asked for should hold (Chat's usage chunk). */
  request?: Record<string, unknown>
  /** Told the code of an upstream error handed to the client as it came (for the log and the ledger). */
  onError?: (code: string) => void
  /** Told why a stream failed after its 200 (an error event, a cut, silence): `watchPassthrough`'s `onFailure`. */
  onFailure?: (failure: ShimError) => void
  /** Chat: usage-only chunks (no choices) were asked for by us, not the client: read, then not passed on. */
  dropUsageChunks?: boolean
}

/**
 * A same-dialect fast path's answer to the client. A stream (the client asked
 * for one and the upstream answered 2xx with anything but a page or one JSON
 * object) flows through the watchdog, which turns silence or a broken upstream
 * into the dialect's error event; anything else is read whole with the idle
 * timeout, so a stalled answer becomes an error status rather than a 200 that
 * never ends, and a 2xx that is not one whole JSON answer becomes a 502.
 * Either way the answer's top-level `model` becomes the name the client used:
 * Claude Code, for one, drops thinking blocks it believes another model made.
 */
export async function passthroughResponse(upstream: Response, options: PassthroughOptions): Promise<Response> {
  const declared = upstream.headers.get('content-type')
  const type = declared ?? (options.stream ? SSE_HEADERS['content-type'] : 'application/json')
  const headers = options.headers ?? {}
  const ok = upstream.status >= 200 && upstream.status < 300
  if (options.stream && upstream.body && ok) {
    // A page or a single JSON object is no stream (a portal, an upstream that ignored `stream`): said before any byte.
    // Any other label is read as the stream it most likely is (SSE sent as text/plain), never held whole.
    if (!type.includes('text/event-stream') && /json|html/i.test(type)) {
      if (/json/i.test(type) && options.dialect.answerAsStream) return answerStreamed(upstream, type, options)
      void upstream.body.cancel().catch(() => {})
      throw notAStream(options.label, upstream.status, type, null)
    }
    options.keepAlive()
    const streamType = type.includes('text/event-stream') ? type : SSE_HEADERS['content-type']
    const body = watchPassthrough(upstream.body, options.dialect, { idleTimeoutMs: options.idleTimeoutMs, onAbort: options.onAbort, rename: options.clientModel, onUsage: options.onUsage, onAnswerId: options.onAnswerId, tracker: options.tracker, dropUsageChunks: options.dropUsageChunks, onFailure: options.onFailure })
    return new Response(body, { status: 200, headers: options.headers ? { ...SSE_HEADERS, ...headers, 'content-type': streamType } : sseHeaders(streamType) })
  }
  const bytes = await readWhole(upstream, { idleTimeoutMs: options.idleTimeoutMs, label: options.label })
  if (!ok) options.onError?.(errorCodeOf(bytes))
  const answer = renameModelInJson(bytes, options.clientModel, options.onUsage, options.onAnswerId && ok ? (json) => tellAnswerId(json, options) : undefined)
  // A success must be the whole answer: a body cut short, a page or a stream is not one, whatever the status said.
  if (ok && answer === null) throw notOneAnswer(options.label, upstream.status, declared, bytes)
  return new Response(answer ?? bytes, { status: upstream.status, headers: { ...headers, 'content-type': type } })
}

/**
 * An upstream that ignored `stream: true` and sent its whole answer: the
 * client still gets the stream it asked for, that answer's events in its own
 * dialect, through the same watch as any stream (model renamed, usage told).
 */
async function answerStreamed(upstream: Response, type: string, options: PassthroughOptions): Promise<Response> {
  const bytes = await readWhole(upstream, { idleTimeoutMs: options.idleTimeoutMs, label: options.label })
  const { sse, answer } = answerAsStream(bytes, options.dialect, options.label, upstream.status, type, options.request)
  // The answer's usage is the whole story, whether or not the client's stream is to carry it.
  if (answer?.usage && typeof answer.usage === 'object') options.onUsage?.(answer.usage)
  if (answer) tellAnswerId(answer, options)
  // An event stream under a JSON label is read by the watch, as any stream.
  const onUsage = answer ? undefined : options.onUsage
  const body = watchPassthrough(new Response(sse).body!, options.dialect, { idleTimeoutMs: 0, rename: options.clientModel, tracker: options.tracker, onUsage })
  return new Response(body, { status: 200, headers: { ...SSE_HEADERS, ...options.headers } })
}

function tellAnswerId(answer: Record<string, unknown>, options: PassthroughOptions): void {
  const id = options.onAnswerId && options.dialect.answerId?.(answer)
  if (id) options.onAnswerId!(id)
}

/**
 * What a translated route decodes: the upstream's event stream, or, from an upstream that ignored
 * `stream: true` and sent its whole answer as JSON, that answer as the events that would have streamed it.
 */
export async function eventStreamOf(upstream: Response, dialect: PassthroughDialect, label: string, idleTimeoutMs: number): Promise<ReadableStream<Uint8Array>> {
  const type = upstream.headers.get('content-type') ?? ''
  if (!upstream.body) throw new ShimError('upstream_stream', `${label} answered ${upstream.status} with no body.`)
  if (type.includes('text/event-stream') || !/json/i.test(type)) return upstream.body
  return new Response(answerAsStream(await readWhole(upstream, { idleTimeoutMs, label }), dialect, label, upstream.status, type).sse).body!
}

/**
 * A whole JSON answer's bytes as the dialect's stream text, for `request` (a client's) or for our own
 * decoder (no request: everything, usage included); a 502 saying what came instead when they are not one.
 */
function answerAsStream(bytes: Uint8Array, dialect: PassthroughDialect, label: string, status: number, type: string, request?: Record<string, unknown>): { sse: string | Uint8Array; answer: Record<string, any> | null } {
  const answer = jsonObjectOf(bytes)
  const sse = answer && dialect.answerAsStream?.(answer, request)
  if (answer && sse) return { sse, answer }
  // An event stream labelled as JSON (a proxy's mistake): it is the stream asked for, read whole.
  if (!answer && looksLikeSse(bytes)) return { sse: bytes, answer: null }
  throw notAStream(label, status, type, answer)
}

/** Whether the bytes open as an event stream does: a `data:`, `event:`, `id:` or comment line. */
function looksLikeSse(bytes: Uint8Array): boolean {
  let at = 0
  while (at < bytes.length && (bytes[at] === 0x20 || bytes[at] === 0x0a || bytes[at] === 0x0d || bytes[at] === 0x09)) at++
  const head = new TextDecoder().decode(bytes.subarray(at, at + 6))
  return head.startsWith('data:') || head.startsWith('event:') || head.startsWith('id:') || head.startsWith(':')
}

/** The error for a 2xx that is not the stream asked for (a page, an error object, another dialect's answer). */
function notAStream(label: string, status: number, type: string, answer: Record<string, unknown> | null): ShimError {
  const error = answer?.error as { message?: unknown } | string | undefined
  const said = typeof error === 'string' ? error : typeof error?.message === 'string' ? error.message : null
  return new ShimError('upstream_stream', `${label} answered ${status} with ${type.split(';')[0]} where an event stream was asked for (stream: true)${said ? `; it said: ${said.slice(0, 500)}` : '.'}`, { status: 502 })
}

/**
 * An error body's code as the front door names a thrown upstream error's (readErrorBody: OpenAI's
 * `error.code`, else its or Anthropic's `error.type`), or `upstream_http`.
 */
function errorCodeOf(bytes: Uint8Array): string {
  const info = readErrorBody(new TextDecoder().decode(bytes))
  const code = info.code || info.type
  return code ? code.slice(0, 64) : 'upstream_http'
}

/**
 * The error for a 2xx whose body is not one JSON answer. An upstream that streamed anyway may have
 * said why in an error event: its words come along (the body was read scrubbed of what we sent).
 */
export function notOneAnswer(label: string, status: number, declared: string | null, bytes: Uint8Array): ShimError {
  const said = errorEventMessage(new TextDecoder().decode(bytes))
  return new ShimError('upstream_stream', `${label} answered ${status} with a body that is not one complete JSON answer (${declared?.split(';')[0] ?? 'no content type'}, ${bytes.length} bytes)${said ? `; it said: ${said}` : '.'}`, { status: 502 })
}

/** The message of the first error event in an SSE text (`{"error":{"message"}}`, `{"type":"error",…}`, `response.failed`), if any. */
function errorEventMessage(text: string): string | null {
  for (const event of eventsMentioning(text, '"error"') as { error?: { message?: unknown } | string; message?: unknown; response?: { error?: { message?: unknown } } }[]) {
    const message = typeof event?.error === 'string' ? event.error : (event?.error?.message ?? event?.response?.error?.message ?? event?.message)
    if (typeof message === 'string' && message) return message.slice(0, 500)
  }
  return null
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

/** A whole JSON answer with its top-level `model` renamed; null when the bytes are not one JSON object. */
export function renameModelInJson(bytes: Uint8Array, model: string, onUsage?: (usage: unknown) => void, onAnswer?: (answer: Record<string, unknown>) => void): Uint8Array | string | null {
  const parsed = jsonObjectOf(bytes)
  if (!parsed) return null
  onAnswer?.(parsed)
  const usage = (parsed as { usage?: unknown }).usage
  if (usage && typeof usage === 'object') onUsage?.(usage)
  if (typeof (parsed as { model?: unknown }).model !== 'string') return bytes
  if ((parsed as { model: string }).model === model) return bytes
  return JSON.stringify({ ...(parsed as object), model })
}

/** The bytes as one JSON object, or null (empty, not JSON, an array or a scalar). */
export function jsonObjectOf(bytes: Uint8Array): Record<string, unknown> | null {
  if (!bytes.length) return null
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(bytes))
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null
  } catch {
    return null
  }
}
