import { markTracked, type StreamTracker } from './tracker.ts'
import { ShimError } from '../errors.ts'
import { streamError, watchedReader } from './idle.ts'

/** What a byte-level passthrough needs to know about the client's dialect. */
export interface PassthroughDialect {
  /** Byte strings, any of which in an event means the upstream finished its answer. */
  terminals: readonly string[]
  /** The SSE text that tells this dialect's client the stream failed. */
  failure: (error: ShimError) => string
  /** The usage an event carries, merged with what came before (for the ledger). */
  usage: (event: any, previous: unknown) => unknown
  /** The id the upstream gave its answer, from an event that carries usage (a Responses terminal event) or the whole answer. */
  answerId?: (event: any) => string | undefined
  /**
   * An upstream error event (`"type":"error"`) the dialect's client would not take as the end: its
   * message and code go into the failure event sent when the stream then ends unfinished.
   */
  upstreamFailure?: (event: any) => ShimError | null
  /**
   * This dialect's whole answer (what `stream: false` returns) as the SSE text that would have
   * streamed it for `request` (a client's; absent for our own decoders, which want everything);
   * null when the object is not one. For upstreams that ignore `stream: true`.
   */
  answerAsStream?: (answer: Record<string, any>, request?: Record<string, any>) => string | null
}

export interface WatchOptions {
  /** Silence longer than this between upstream chunks fails the stream (0 = never). */
  idleTimeoutMs: number
  /** Aborts the upstream request (idle timeout, client gone). */
  onAbort?: (reason: unknown) => void
  /** An incomplete event is held back up to this size, then let through as it comes. */
  maxHeldBytes?: number
  /** Each event's first `"model":"…"` value becomes this (the name the client asked for). */
  rename?: string
  /** Told the usage the stream reported (only events that mention usage are parsed). */
  onUsage?: (usage: unknown) => void
  /** Told the answer's id, read from the same events as the usage (`PassthroughDialect.answerId`). */
  onAnswerId?: (id: string) => void
  /** Told each chunk sent and the end, so the server need not wrap this stream to count it. */
  tracker?: StreamTracker
  /** Events with no choices but a usage (Chat's usage chunk) are read for `onUsage`, then not sent on. */
  dropUsageChunks?: boolean
  /**
   * Told, once, why the answer failed after its status was sent: the upstream's own error event that
   * ended it (passed on as it came), or the error this watch ended it with. Before the tracker's end.
   */
  onFailure?: (failure: ShimError) => void
}

const LF_LF = Buffer.from('\n\n')
const LF_CRLF = Buffer.from('\n\r\n')
const MODEL_KEY = Buffer.from('"model":"')
const USAGE_KEY = Buffer.from('"usage"')
const ERROR_TYPE = Buffer.from('"type":"error"')
const ERROR_KEY = Buffer.from('"error"')
const DELTA = Buffer.from('delta')
const DATA_FIELD = Buffer.from('data:')
const LF = 0x0a
const QUOTE = 0x22
const BACKSLASH = 0x5c
// Buffer's native search works on any Uint8Array: chunks from fetch need no Buffer view per chunk.
const indexOf = Buffer.prototype.indexOf
const lastIndexOf = Buffer.prototype.lastIndexOf
const copy = Buffer.prototype.copy
const utf8 = new TextDecoder()

/**
 * Complete SSE events with each event's first top-level-looking `"model":"…"`
 * value replaced. Every dialect puts the model before any nested object that
 * could carry a key of that name (Chat chunks at the top, Messages in
 * `message_start.message`, Responses in `response`), and text inside string
 * values is escaped, so the first unescaped match is the answer's own model.
 */
export function renameModels(bytes: Uint8Array, model: Uint8Array): Uint8Array {
  return rewriteEvents(bytes, model, false)
}

/**
 * What a fast path sends of complete events: models renamed (`renameModels`) and, with
 * `dropUsageChunks`, Chat's usage-only chunks left out (`withoutUsageChunks`), in one copy
 * made only when something changes. The very same bytes otherwise.
 */
export function rewriteEvents(bytes: Uint8Array, model: Uint8Array | null, dropUsageChunks: boolean): Uint8Array {
  const dropped = dropUsageChunks ? usageOnlyEvents(bytes) : NONE
  const renamed = model ? modelValues(bytes, model) : NONE
  if (!dropped.length && !renamed.length) return bytes
  return spliced(bytes, renamed, model, dropped)
}

const NONE: number[] = []

/** [start, end) of each event's first `"model":"…"` value that is not `model` already, in order. */
function modelValues(bytes: Uint8Array, model: Uint8Array): number[] {
  let at = indexOf.call(bytes, MODEL_KEY)
  if (at < 0) return NONE
  const ranges: number[] = []
  while (at >= 0) {
    const start = at + MODEL_KEY.length
    // Single bytes through the typed array's own search: a cheaper call than Buffer's, made per event.
    const end = bytes.indexOf(QUOTE, start)
    if (end < 0) break
    if (escapedOrSame(bytes, start, end, model)) {
      at = indexOf.call(bytes, MODEL_KEY, end)
      continue
    }
    ranges.push(start, end)
    // One per event: the next match counts only from the next event on (most chunks hold one event).
    const next = indexOf.call(bytes, MODEL_KEY, end)
    if (next < 0) break
    const eventStart = nextEventStart(bytes, end)
    at = eventStart < 0 ? -1 : next >= eventStart ? next : indexOf.call(bytes, MODEL_KEY, eventStart)
  }
  return ranges
}

/** Whether the value in [start, end) holds an escape (not a plain name) or already is `model`. */
function escapedOrSame(bytes: Uint8Array, start: number, end: number, model: Uint8Array): boolean {
  let same = end - start === model.length
  for (let i = start; i < end; i++) {
    const byte = bytes[i]!
    if (byte === BACKSLASH) return true
    if (same && byte !== model[i - start]) same = false
  }
  return same
}

/**
 * `bytes` with each `renamed` [start, end) range replaced by `value` and each `dropped` one
 * left out, in one allocation. Both lists are in order; a rename inside a dropped event goes with it.
 */
function spliced(bytes: Uint8Array, renamed: number[], value: Uint8Array | null, dropped: number[]): Uint8Array {
  let size = bytes.length
  for (let i = 0; i < dropped.length; i += 2) size -= dropped[i + 1]! - dropped[i]!
  for (let i = 0; i < renamed.length; i += 2) if (!within(dropped, renamed[i]!)) size += value!.length - (renamed[i + 1]! - renamed[i]!)
  if (size === 0) return new Uint8Array(0)
  const out = Buffer.allocUnsafe(size)
  let copied = 0
  let written = 0
  let r = 0
  let d = 0
  // Buffer's copy takes offsets: no subarray view per piece.
  while (r < renamed.length || d < dropped.length) {
    if (d < dropped.length && (r >= renamed.length || dropped[d]! <= renamed[r]!)) {
      written += copy.call(bytes, out, written, copied, dropped[d]!)
      copied = dropped[d + 1]!
      d += 2
      // Renames inside the dropped event are skipped with it.
      while (r < renamed.length && renamed[r]! < copied) r += 2
      continue
    }
    written += copy.call(bytes, out, written, copied, renamed[r]!)
    out.set(value!, written)
    written += value!.length
    copied = renamed[r + 1]!
    r += 2
  }
  copy.call(bytes, out, written, copied)
  return out
}

/** Whether `at` falls inside one of the [start, end) ranges. */
function within(ranges: number[], at: number): boolean {
  for (let i = 0; i < ranges.length; i += 2) if (at >= ranges[i]! && at < ranges[i + 1]!) return true
  return false
}
const DEFAULT_MAX_HELD = 1024 * 1024

/** Index just past the last blank line in `bytes`, or 0 when there is none. */
function lastBoundary(bytes: Uint8Array): number {
  return eventStartBefore(bytes, bytes.length)
}

/**
 * The JSON payloads of the `data:` lines that mention `marker`, in order: the few events a
 * watcher reads (usage, an error), never the text deltas. Lines that are not JSON are skipped:
 * the client's own parser will complain, not ours.
 */
export function eventsMentioning(text: string, marker: string): unknown[] {
  const events: unknown[] = []
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:') || !line.includes(marker)) continue
    try {
      events.push(JSON.parse(line.slice(5)))
    } catch {}
  }
  return events
}

/**
 * `eventsMentioning` on bytes: only the lines holding `marker` are decoded and parsed. A chunk often
 * holds a whole short answer, and decoding and splitting all of it for its one usage line cost
 * more than everything else done to the chunk.
 */
export function dataLinesMentioning(bytes: Uint8Array, marker: Uint8Array): unknown[] {
  const events: unknown[] = []
  someDataLine(bytes, marker, (event) => void events.push(event))
  return events
}

/** Whether `test` holds for one of the JSON payloads of the `data:` lines that mention `marker`; stops at the first. */
function someDataLine(bytes: Uint8Array, marker: Uint8Array, test: (event: unknown) => boolean | void): boolean {
  for (let at = indexOf.call(bytes, marker); at >= 0; ) {
    const start = at === 0 ? 0 : bytes.lastIndexOf(LF, at - 1) + 1
    const newline = bytes.indexOf(LF, at)
    const end = newline < 0 ? bytes.length : newline
    if (startsWithAt(bytes, start, DATA_FIELD)) {
      let event: unknown
      try {
        event = JSON.parse(utf8.decode(bytes.subarray(start + DATA_FIELD.length, end)))
      } catch {}
      if (event !== undefined && test(event)) return true
    }
    at = newline < 0 ? -1 : indexOf.call(bytes, marker, newline)
  }
  return false
}

const USAGE_ONLY = /"choices"\s*:\s*\[\s*\]/

/**
 * Complete events without Chat's usage-only chunks (`"choices":[]` and a usage): the ones we asked
 * the upstream for on a client's behalf. Only the events that mention usage are looked at.
 */
export function withoutUsageChunks(bytes: Uint8Array): Uint8Array {
  return rewriteEvents(bytes, null, true)
}

/** [start, end) of each usage-only event, in order. */
function usageOnlyEvents(bytes: Uint8Array): number[] {
  let at = indexOf.call(bytes, USAGE_KEY)
  if (at < 0) return NONE
  const dropped: number[] = []
  while (at >= 0) {
    // Never before the last dropped event's end: the ranges must not overlap, whatever the bytes.
    const start = Math.max(eventStartBefore(bytes, at), dropped.length ? dropped[dropped.length - 1]! : 0)
    const end = eventEndAfter(bytes, at)
    if (USAGE_ONLY.test(utf8.decode(bytes.subarray(start, end)))) dropped.push(start, end)
    at = end < bytes.length ? indexOf.call(bytes, USAGE_KEY, end) : -1
  }
  return dropped
}

/** Where the event holding byte `at` starts: just past the blank line before it, or 0. */
function eventStartBefore(bytes: Uint8Array, at: number): number {
  // The blank lines nextEventStart ends an event at: a line feed, then a line feed or CR LF.
  const lf = lastIndexOf.call(bytes, LF_LF, at)
  const crlf = lastIndexOf.call(bytes, LF_CRLF, at)
  return Math.max(lf < 0 ? 0 : lf + LF_LF.length, crlf < 0 ? 0 : crlf + LF_CRLF.length)
}

/** Where the event holding byte `at` ends: just past the blank line after it, or the end of the bytes. */
function eventEndAfter(bytes: Uint8Array, at: number): number {
  const lf = nextEventStart(bytes, at)
  if (lf < 0) return bytes.length
  return bytes[lf + 1] === 0x0a ? lf + 2 : lf + 3
}

function startsWithAt(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (bytes.length - at < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false
  return true
}

/** The usage these bytes' events report, merged with what came before; told to `report` when it changed. */
function usageIn(bytes: Uint8Array, dialect: PassthroughDialect, previous: unknown, report: (usage: unknown) => void, reportId?: (id: string) => void): unknown {
  let usage = previous
  for (const event of dataLinesMentioning(bytes, USAGE_KEY)) {
    usage = dialect.usage(event, usage)
    const id = reportId && dialect.answerId?.(event)
    if (id) reportId!(id)
  }
  if (usage !== previous) report(usage)
  return usage
}

/** The first upstream error event in these bytes (`upstreamErrorIn`), or null. */
function upstreamErrorOf(bytes: Uint8Array): ShimError | null {
  let found: ShimError | null = null
  someDataLine(bytes, ERROR_KEY, (event) => (found = upstreamErrorIn(event)) !== null)
  return found
}

/** The last upstream error event in these bytes, as the dialect reads it; `previous` when there is none. */
function failureIn(bytes: Uint8Array, read: (event: any) => ShimError | null, previous: ShimError | null): ShimError | null {
  let failure = previous
  for (const event of dataLinesMentioning(bytes, ERROR_TYPE)) failure = read(event) ?? failure
  return failure
}

/**
 * Whether an event is a token of the answer, as the translated routes count the first token (a
 * canonical delta): a Responses `….delta`, a Messages `content_block_delta`, a Chat chunk whose delta
 * holds text, reasoning or a tool call. A stream's preamble (a role, an empty content) and an error are not.
 */
export function isTokenEvent(event: any): boolean {
  const type = event?.type
  if (typeof type === 'string') return type.endsWith('.delta') || type === 'content_block_delta'
  if (!Array.isArray(event?.choices)) return false
  return event.choices.some((choice: any) => {
    const delta = choice?.delta
    return Boolean(delta?.content || delta?.reasoning_content || delta?.reasoning || delta?.tool_calls?.length)
  })
}

/**
 * An upstream error event as the error it reports: Chat's `{"error":…}` chunk, a Messages or
 * Responses `error` event, a Responses `response.failed`. Null for any other event. Its code is
 * the upstream's (else its error type), as for an error status passed through.
 */
export function upstreamErrorIn(event: any): ShimError | null {
  const type = event?.type
  const error = type === 'response.failed' ? event.response?.error : type === 'error' ? (isObject(event.error) ? event.error : event) : type === undefined && event?.choices === undefined ? event?.error : null
  if (!isObject(error)) return null
  const code = typeof error.code === 'string' ? error.code : error !== event && typeof error.type === 'string' ? error.type : undefined
  const message = typeof error.message === 'string' ? error.message : 'The upstream reported an error.'
  return new ShimError('upstream_stream', message, { code: code?.slice(0, 64) })
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null
}

function nextEventStart(bytes: Uint8Array, from: number): number {
  // Line by line, never past the blank line: searching for both separators over the rest of the
  // chunk would rescan it to the end for the one the stream does not use, once per event.
  for (let at = from; ; ) {
    const lf = bytes.indexOf(0x0a, at)
    if (lf < 0) return -1
    const next = bytes[lf + 1]
    if (next === 0x0a || (next === 0x0d && bytes[lf + 2] === 0x0a)) return lf
    at = lf + 1
  }
}

const LF_ONLY = Buffer.from('\n')

/**
 * Whether an event that came without its blank line is whole: it has data, and its data is one
 * JSON value (every dialect's events are) or Chat's `[DONE]`. Half an event's JSON does not parse.
 */
export function isWholeEvent(bytes: Uint8Array): boolean {
  const data: string[] = []
  for (const line of utf8.decode(bytes).split(/\r?\n/)) {
    if (line.startsWith('data:')) data.push(line.charCodeAt(5) === 0x20 ? line.slice(6) : line.slice(5))
  }
  if (!data.length) return false
  const payload = data.join('\n')
  if (payload === '[DONE]') return true
  try {
    JSON.parse(payload)
    return true
  } catch {
    return false
  }
}

function endsAtBoundary(bytes: Uint8Array): boolean {
  const n = bytes.length
  return bytes[n - 1] === 0x0a && (bytes[n - 2] === 0x0a || (bytes[n - 2] === 0x0d && bytes[n - 3] === 0x0a))
}

/**
 * A dialect's terminal markers as bytes. An SSE field (`data: [DONE]`, `event: message_stop`) counts
 * only where a line starts: the same words inside an answer's text ("streams end with data: [DONE]")
 * sit in a JSON string, never at a line's start. JSON fragments (`"type":"response.completed"`) cannot
 * occur inside a string at all: a quote there is escaped.
 */
interface Markers {
  /** Found anywhere. */
  anywhere: Buffer[]
  /** Found at the chunk's start (chunks start at an event's start) or after a newline. */
  lineStarts: Buffer[]
  afterNewline: Buffer[]
  /**
   * The same markers in the other spellings the wire allows: a field without its optional space
   * (`event:message_stop`, which the SSE rules read alike) and JSON with a space after its colon
   * (`"type": "message_stop"`, Python's default). Looked for once, in a stream's last chunk when it
   * ended without a terminal event, so a clean end is not reported broken; never per chunk.
   */
  other: Markers | null
}
const terminalBytes = new WeakMap<PassthroughDialect, Markers>()

function terminalsOf(dialect: PassthroughDialect): Markers {
  let markers = terminalBytes.get(dialect)
  if (!markers) {
    const lines = dialect.terminals.filter((marker) => marker.startsWith('data:') || marker.startsWith('event:'))
    markers = markersOf(dialect.terminals.filter((marker) => !lines.includes(marker)), lines)
    const otherLines = lines.map((marker) => marker.replace(/^(data|event): /, '$1:')).filter((marker) => !lines.includes(marker))
    const otherJson = dialect.terminals.map((marker) => marker.replaceAll('":"', '": "')).filter((marker) => !dialect.terminals.includes(marker))
    markers.other = markersOf(otherJson, otherLines)
    terminalBytes.set(dialect, markers)
  }
  return markers
}

function markersOf(anywhere: string[], lines: string[]): Markers {
  return {
    anywhere: anywhere.map((marker) => Buffer.from(marker)),
    lineStarts: lines.map((marker) => Buffer.from(marker)),
    afterNewline: lines.map((marker) => Buffer.from(`\n${marker}`)),
    other: null,
  }
}

function containsAny(bytes: Uint8Array, markers: Markers): boolean {
  for (const marker of markers.anywhere) if (containsValueMarker(bytes, marker)) return true
  for (const marker of markers.afterNewline) if (indexOf.call(bytes, marker) >= 0) return true
  for (const marker of markers.lineStarts) if (startsWithAt(bytes, 0, marker)) return true
  return false
}


/**
 * A marker found with something after it: `"finish_reason":"` opens a finish reason, unless the
 * string is empty, as Ollama and SGLang send `"finish_reason":""` on every chunk before the last.
 */
function containsValueMarker(bytes: Uint8Array, marker: Buffer): boolean {
  for (let at = indexOf.call(bytes, marker); at >= 0; at = indexOf.call(bytes, marker, at + 1)) {
    if (bytes[at + marker.length] !== 0x22) return true
  }
  return false
}

type ReadResult = Awaited<ReturnType<ReturnType<typeof watchedReader>['read']>>

/**
 * The fast paths' guard: the upstream's SSE bytes go to the client untouched,
 * complete events as soon as they arrive, while this watches for what a pipe
 * cannot see. Silence past the idle timeout, a broken connection, or an end
 * without the dialect's terminal event become that dialect's own error event
 * (after closing any half-sent event), so the client hears why instead of
 * hanging or seeing a truncated answer. Pull-based past the first chunk (read
 * as the stream is made): the client's reading pace reaches the upstream, and
 * a client cancel aborts it.
 */
export function watchPassthrough(body: ReadableStream<Uint8Array>, dialect: PassthroughDialect, options: WatchOptions): ReadableStream<Uint8Array> {
  const reader = watchedReader(body, options.idleTimeoutMs)
  const terminals = terminalsOf(dialect)
  const maxHeld = options.maxHeldBytes ?? DEFAULT_MAX_HELD
  const rename = options.rename === undefined ? null : Buffer.from(options.rename)
  const { tracker, onUsage, onFailure, onAnswerId } = options
  const dropUsage = options.dropUsageChunks === true
  let usage: unknown
  let upstreamError: ShimError | null = null
  let held: Uint8Array | null = null
  let atBoundary = true
  let answered = false
  let tokenSent = false
  let failureTold = false
  let closed = false
  let controller!: ReadableStreamDefaultController<Uint8Array>
  let early: Promise<void> | null = null
  // The last bytes forwarded (a reference, no copy): where a terminal event in another spelling is looked for at the end.
  let last: Uint8Array | null = null

  // One pass per concern, each a native search, and each skipped once it cannot matter. Says whether
  // anything went to the client: a read whose events were all left out must be followed by another.
  const forward = (bytes: Uint8Array, endsClean: boolean): boolean => {
    if (!bytes.length) return false
    last = bytes
    const ending = !answered && containsAny(bytes, terminals)
    if (ending) answered = true
    // An answer that ends in the upstream's own error event failed: it goes on as it came, and is told.
    if (ending && onFailure) tell(upstreamErrorOf(bytes))
    atBoundary = endsClean
    // One search for usage serves both its reading and its removal: most chunks have none.
    const hasUsage = (onUsage || dropUsage) && indexOf.call(bytes, USAGE_KEY) >= 0
    if (onUsage && hasUsage) usage = usageIn(bytes, dialect, usage, onUsage, onAnswerId)
    if (dialect.upstreamFailure && !answered && indexOf.call(bytes, ERROR_TYPE) >= 0) upstreamError = failureIn(bytes, dialect.upstreamFailure, upstreamError)
    const dropping = dropUsage && hasUsage
    const sent = rename || dropping ? rewriteEvents(bytes, rename, dropping) : bytes
    if (!sent.length) return false
    // Looked for only until found: the events before the first token are few.
    const firstToken = tracker !== undefined && !tokenSent && someDataLine(sent, DELTA, isTokenEvent)
    if (firstToken) tokenSent = true
    tracker?.chunk(sent.length, firstToken)
    early = null
    controller.enqueue(sent)
    return true
  }

  const tell = (failure: ShimError | null) => {
    if (!failure || failureTold) return
    failureTold = true
    onFailure?.(failure)
  }

  const finish = (error: ShimError | null) => {
    closed = true
    early = null
    // What is held lacks its blank line. Cut short (a broken connection, an upstream that closed
    // mid-event) it stays here: a client would fail parsing its half, or take half a terminal event
    // for the end. Whole but for that line, it goes out with it, so the client dispatches it.
    // An event already partly sent (one too large to hold) is not held back: its tail goes on as it came.
    if (held && !atBoundary) forward(held, endsAtBoundary(held))
    else if (held && isWholeEvent(held)) forward(Buffer.concat([held, held[held.length - 1] === LF ? LF_ONLY : LF_LF]), true)
    held = null
    // Ended without a terminal event in the usual spelling: its last event may be one in another.
    if (!answered && last && terminals.other && containsAny(last, terminals.other)) {
      answered = true
      if (onFailure) tell(upstreamErrorOf(last))
    }
    // An answer that already finished needs nothing more, even if the connection then broke.
    if (!answered) {
      const failure = error ?? upstreamError ?? new ShimError('upstream_stream', 'The upstream closed the stream before it finished.')
      tell(failure)
      const event = Buffer.from((atBoundary ? '' : '\n\n') + dialect.failure(failure))
      tracker?.chunk(event.length, false)
      controller.enqueue(event)
    }
    controller.close()
    tracker?.end()
  }

  // A promise chain, not an async loop: one settled read per chunk is all the work most chunks need.
  const step = (result: ReadResult): void | Promise<void> => {
    if (closed) return
    if (result.done) {
      reader.release()
      return finish(null)
    }
    const value = result.value
    const chunk: Uint8Array = held ? Buffer.concat([held, value]) : value
    held = null
    if (endsAtBoundary(chunk)) return sendOrRead(chunk, true)
    const cut = lastBoundary(chunk)
    if (cut < chunk.length) held = chunk.subarray(cut)
    if (held && held.length > maxHeld) {
      // One huge event: let it flow rather than hold megabytes.
      held = null
      return sendOrRead(chunk, false)
    }
    if (cut > 0) return sendOrRead(chunk.subarray(0, cut), true)
    return read()
  }
  // A pull must end with something enqueued (or the stream closed): else the server never pulls again.
  const sendOrRead = (bytes: Uint8Array, endsClean: boolean): void | Promise<void> => (forward(bytes, endsClean) ? undefined : read())
  const failed = (error: unknown) => {
    if (closed) return
    options.onAbort?.(error)
    void reader.cancel(error)
    finish(streamError(error))
  }
  // Whatever throws while a chunk is handled ends the answer as an upstream failure would: the
  // client hears it in its dialect and the upstream is let go (a rejected pull would do neither).
  const broke = (error: unknown) => {
    if (!closed) return failed(error)
    try {
      controller.error(error)
    } catch {}
  }
  const read = (): Promise<void> => reader.read().then(step, failed).catch(broke)

  const stream = new ReadableStream<Uint8Array>(
    {
      start(streamController) {
        controller = streamController
        // The first read starts as the stream is made, not when the server first pulls: it overlaps
        // the sending of the headers (the time to the first token). A failure errors the stream, as a
        // failed pull would (no one may be waiting on this promise yet).
        early = read().catch((error) => controller.error(error))
      },
      pull() {
        if (early) return early
        if (!closed) return read()
      },
      cancel(reason) {
        closed = true
        tracker?.end('client-closed')
        options.onAbort?.(reason)
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
  return tracker ? markTracked(stream) : stream
}
