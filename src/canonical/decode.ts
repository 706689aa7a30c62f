import { markTracked, type StreamTracker } from '../sse/tracker.ts'
import type { ShimError } from '../errors.ts'
import { streamError, watchedReader } from '../sse/idle.ts'
import { SseParser, type SseMessage } from '../sse/parse.ts'
import { isTerminalEvent, type ResponsesEvent } from './types.ts'

/**
 * A provider-side decoder: upstream messages in, canonical events out through
 * the `emit` it was created with. `end` and `fail` always produce exactly one
 * terminal event, so a client never waits on a stream that has stopped.
 */
export interface EventDecoder<In> {
  push(input: In): void
  /** The upstream ended normally (EOF). */
  end(): void
  /** The upstream broke: network error, idle timeout, oversized event. */
  fail(error: ShimError): void
}

export type DecoderFactory<In> = (emit: (event: ResponsesEvent) => void) => EventDecoder<In>

export interface DecodeOptions {
  /** Silence longer than this between upstream chunks fails the stream (0 = never). */
  idleTimeoutMs?: number
  /** Called when the stream stops early (client gone, timeout): aborts the upstream request. */
  onAbort?: (reason: unknown) => void
  /**
   * The answer is over at its terminal event, whatever the source does next: for a subprocess,
   * whose stdout a tool it left running can hold open long after the answer ended.
   */
  endAfterTerminal?: boolean
}

/** A finished list of items as a stream (web-standard; `ReadableStream.from` is not typed everywhere). */
export function streamOf<T>(items: Iterable<T>): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const item of items) controller.enqueue(item)
      controller.close()
    },
  })
}

/** A decoded upstream, consumable either as events or, fused with an encoder, as bytes. */
export interface DecodedBody {
  events(): ReadableStream<ResponsesEvent>
  /**
   * Parse, decode and encode in one stage: one output chunk per upstream read, not per event
   * (a read with a burst after the first token gives two: up to that token, and the rest).
   * With a tracker, the stream reports its bytes and its end itself (no counting layer on top).
   */
  encoded(encode: (event: ResponsesEvent) => string, tracker?: StreamTracker): ReadableStream<Uint8Array>
}

/**
 * The least rest of an upstream read, in UTF-16 code units of its decoded text (characters, for
 * most text), that the first token does not wait for.
 * Sending it apart costs a second write and a turn of the event loop (~40 µs of CPU in the
 * compiled binary); translating 4 K characters of events takes longer (~100 µs) than that.
 */
export const FIRST_TOKEN_ALONE_BEFORE = 4096

export interface BodyFormat {
  /** `sse` for HTTP upstreams; `ndjson` for a subprocess's stdout (one JSON value per line). */
  format?: 'sse' | 'ndjson'
  maxEventBytes?: number
}

const firstReads = new WeakMap<ReadableStream<unknown>, Promise<void>>()

/**
 * Settles once a client's stream (`encoded`) holds its first chunk, decoded from the upstream's
 * first read(s) and not yet sent: a caller may still answer with an error status instead.
 * Undefined for a stream this module did not make.
 */
export function firstChunkOf(stream: ReadableStream<unknown>): Promise<void> | undefined {
  return firstReads.get(stream)
}

/**
 * An upstream body decoded in a single pull-based stage: SSE (or NDJSON) parsing,
 * the dialect decoder and (optionally) the client's encoder run together on
 * each upstream chunk, so per-event stream hops disappear from the hot path.
 * Past the first chunk of a client's stream (read as it is made), pulls only
 * when the client reads: slow clients slow the upstream (back-pressure), a
 * cancel from the client cancels the upstream, and an upstream error or a
 * silent upstream becomes the decoder's terminal failure event instead of a
 * broken connection.
 */
export function decodeBody(body: ReadableStream<Uint8Array>, factory: DecoderFactory<SseMessage>, options: DecodeOptions & BodyFormat = {}): DecodedBody {
  function build<T>(encode?: (event: ResponsesEvent) => string, tracker?: StreamTracker): ReadableStream<T> {
    const reader = watchedReader(body, options.idleTimeoutMs ?? 0)
    const parser = new SseParser(options.maxEventBytes, options.format)
    const text = new TextDecoder()
    const bytes = new TextEncoder()
    let pending: ResponsesEvent[] = []
    let out = ''
    // After a failure the answer is over (a cap, an upstream error): the client's stream closes and the upstream is let go.
    let failed = false
    // With endAfterTerminal, after any terminal event: the client's stream closes and the source is no longer read
    // (a subprocess is left to exit by itself: cursor-agent may still be saving its session).
    let ended = false
    // The first token goes to the client as soon as it is encoded when much of its upstream read
    // follows it (a burst): the rest is parsed on after Bun has written the token out.
    let holdAtFirstToken = Boolean(encode)
    // The output holds the answer's first token, not yet told to the tracker (its time to first token).
    let tokenInOut = false
    const decoder = factory((event) => {
      if (event.type === 'response.failed') failed = true
      else if (options.endAfterTerminal && isTerminalEvent(event)) ended = true
      if (!encode) pending.push(event)
      else {
        const before = out.length
        out += encode(event)
        // A delta the client's dialect has no place for (a hosted tool's code) is not the first token.
        if (holdAtFirstToken && out.length > before && 'delta' in event) {
          holdAtFirstToken = false
          tokenInOut = true
          parser.hold(FIRST_TOKEN_ALONE_BEFORE)
        }
      }
    })
    const push = (message: SseMessage) => decoder.push(message)
    let finished = false
    // A client's stream starts reading the upstream as it is made, not when the server first pulls:
    // the first chunk's read overlaps the sending of the headers (the time to the first token).
    let early: Promise<void> | null = null

    const fill = async (controller: ReadableStreamDefaultController<T>): Promise<void> => {
      while (!finished && !(encode ? out : pending.length)) {
        try {
          if (parser.holding) {
            // Bun writes a stream's chunks out only once the event loop turns: a later pull in the same turn would join them.
            await new Promise((resolve) => setImmediate(resolve))
            if (!finished) parser.resume(push)
            continue
          }
          const { value, done } = await reader.read()
          if (done) {
            finished = true
            reader.release()
            parser.push(text.decode(), push)
            parser.end(push)
            decoder.end()
          } else parser.push(text.decode(value, { stream: true }), push)
        } catch (error) {
          finished = true
          decoder.fail(streamError(error))
          options.onAbort?.(error)
          void reader.cancel(error)
        }
      }
      if (encode) {
        if (out) {
          const chunk = bytes.encode(out)
          // Only a token starts the clock: a preamble or an error event holds none.
          tracker?.chunk(chunk.byteLength, tokenInOut)
          tokenInOut = false
          early = null
          controller.enqueue(chunk as T)
        }
        out = ''
      } else {
        for (const event of pending) controller.enqueue(event as T)
        pending = []
      }
      if (failed && !finished) {
        finished = true
        const reason = new Error('the answer already failed')
        options.onAbort?.(reason)
        void reader.cancel(reason).catch(() => {})
      } else if (ended && !finished) {
        finished = true
        void reader.cancel(new Error('the answer is complete')).catch(() => {})
      }
      if (finished) {
        early = null
        controller.close()
        tracker?.end()
      }
    }

    const stream = new ReadableStream<T>(
      {
        start(controller) {
          // A failure here errors the stream, as a failed pull would (no one may be waiting on this promise yet).
          if (encode) early = fill(controller).catch((error) => controller.error(error))
        },
        pull(controller) {
          if (early) return early
          return fill(controller)
        },
        cancel(reason) {
          finished = true
          tracker?.end('client-closed')
          options.onAbort?.(reason)
          return reader.cancel(reason)
        },
      },
      { highWaterMark: 0 },
    )
    if (early) firstReads.set(stream, early)
    return tracker ? (markTracked(stream as ReadableStream<Uint8Array>) as ReadableStream<T>) : stream
  }
  return { events: () => build<ResponsesEvent>(), encoded: (encode, tracker) => build<Uint8Array>(encode, tracker) }
}
