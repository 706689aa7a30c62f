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
  /** Told each chunk sent and the end, so the server need not wrap this stream to count it. */
  tracker?: StreamTracker
}

const BOUNDARIES = [Buffer.from('\n\n'), Buffer.from('\r\n\r\n')]
const MODEL_KEY = Buffer.from('"model":"')
const USAGE_KEY = Buffer.from('"usage"')
const QUOTE = 0x22
const BACKSLASH = 0x5c

/**
 * Complete SSE events with each event's first top-level-looking `"model":"…"`
 * value replaced. Every dialect puts the model before any nested object that
 * could carry a key of that name (Chat chunks at the top, Messages in
 * `message_start.message`, Responses in `response`), and text inside string
 * values is escaped, so the first unescaped match is the answer's own model.
 */
export function renameModels(bytes: Buffer, model: Buffer): Buffer {
  let at = bytes.indexOf(MODEL_KEY)
  if (at < 0) return bytes
  const parts: Buffer[] = []
  let copied = 0
  while (at >= 0) {
    const start = at + MODEL_KEY.length
    const end = bytes.indexOf(QUOTE, start)
    if (end < 0) break
    if (bytes.subarray(start, end).includes(BACKSLASH) || bytes.subarray(start, end).equals(model)) {
      at = bytes.indexOf(MODEL_KEY, end)
      continue
    }
    parts.push(bytes.subarray(copied, start), model)
    copied = end
    // One per event: skip to the next event's start.
    const next = nextEventStart(bytes, end)
    at = next < 0 ? -1 : bytes.indexOf(MODEL_KEY, next)
  }
  if (!parts.length) return bytes
  parts.push(bytes.subarray(copied))
  return Buffer.concat(parts)
}
const DEFAULT_MAX_HELD = 1024 * 1024

/** Index just past the last blank line in `bytes`, or 0 when there is none. */
function lastBoundary(bytes: Buffer): number {
  let end = 0
  for (const boundary of BOUNDARIES) {
    const at = bytes.lastIndexOf(boundary)
    if (at >= 0) end = Math.max(end, at + boundary.length)
  }
  return end
}

/** Parses the `data:` lines that mention usage; a few events per stream, never the text deltas. */
function usageIn(bytes: Buffer, dialect: PassthroughDialect, previous: unknown, report: (usage: unknown) => void): unknown {
  let usage = previous
  for (const line of bytes.toString('utf8').split('\n')) {
    if (!line.startsWith('data:') || !line.includes('"usage"')) continue
    try {
      usage = dialect.usage(JSON.parse(line.slice(5)), usage)
    } catch {
      // Not JSON: the client's own parser will complain, not ours.
    }
  }
  if (usage !== previous) report(usage)
  return usage
}

function nextEventStart(bytes: Buffer, from: number): number {
  const lf = bytes.indexOf('\n\n', from)
  const crlf = bytes.indexOf('\n\r\n', from)
  return lf < 0 ? crlf : crlf < 0 ? lf : Math.min(lf, crlf)
}

function endsAtBoundary(bytes: Buffer): boolean {
  const n = bytes.length
  return bytes[n - 1] === 0x0a && (bytes[n - 2] === 0x0a || (bytes[n - 2] === 0x0d && bytes[n - 3] === 0x0a))
}

/**
 * The fast paths' guard: the upstream's SSE bytes go to the client untouched,
 * complete events as soon as they arrive, while this watches for what a pipe
 * cannot see. Silence past the idle timeout, a broken connection, or an end
 * without the dialect's terminal event become that dialect's own error event
 * (after closing any half-sent event), so the client hears why instead of
 * hanging or seeing a truncated answer. Pull-based: the client's reading pace
 * reaches the upstream, and a client cancel aborts it.
 */
export function watchPassthrough(body: ReadableStream<Uint8Array>, dialect: PassthroughDialect, options: WatchOptions): ReadableStream<Uint8Array> {
  const reader = watchedReader(body, options.idleTimeoutMs)
  const terminals = dialect.terminals.map((marker) => Buffer.from(marker))
  const maxHeld = options.maxHeldBytes ?? DEFAULT_MAX_HELD
  const rename = options.rename === undefined ? null : Buffer.from(options.rename)
  const tracker = options.tracker
  let usage: unknown
  let held: Buffer | null = null
  let atBoundary = true
  let answered = false
  let closed = false

  const forward = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Buffer) => {
    if (!bytes.length) return
    if (!answered && terminals.some((marker) => bytes.includes(marker))) answered = true
    atBoundary = endsAtBoundary(bytes)
    if (options.onUsage && bytes.includes(USAGE_KEY)) usage = usageIn(bytes, dialect, usage, options.onUsage)
    const sent = rename ? renameModels(bytes, rename) : bytes
    tracker?.chunk(sent.length)
    controller.enqueue(sent)
  }

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, error: ShimError | null) => {
    closed = true
    if (held) forward(controller, held)
    held = null
    // An answer that already finished needs nothing more, even if the connection then broke.
    if (!answered) {
      const failure = error ?? new ShimError('upstream_stream', 'The upstream closed the stream before it finished.')
      const event = Buffer.from((atBoundary ? '' : '\n\n') + dialect.failure(failure))
      tracker?.chunk(event.length)
      controller.enqueue(event)
    }
    controller.close()
    tracker?.end()
  }

  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        while (!closed) {
          let result: Awaited<ReturnType<typeof reader.read>>
          try {
            result = await reader.read()
          } catch (error) {
            options.onAbort?.(error)
            void reader.cancel(error)
            return finish(controller, streamError(error))
          }
          if (result.done) {
            reader.release()
            return finish(controller, null)
          }
          const chunk: Buffer = held ? Buffer.concat([held, result.value]) : Buffer.from(result.value.buffer, result.value.byteOffset, result.value.byteLength)
          held = null
          const cut = endsAtBoundary(chunk) ? chunk.length : lastBoundary(chunk)
          if (cut < chunk.length) held = chunk.subarray(cut)
          if (held && held.length > maxHeld) {
            // One huge event: let it flow rather than hold megabytes.
            forward(controller, chunk)
            held = null
            return
          }
          if (cut > 0) return forward(controller, chunk.subarray(0, cut))
        }
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
