import { ShimError } from '../errors.ts'
import { streamError, watchedReader } from './idle.ts'

/** What a byte-level passthrough needs to know about the client's dialect. */
export interface PassthroughDialect {
  /** Byte strings, any of which in an event means the upstream finished its answer. */
  terminals: readonly string[]
  /** The SSE text that tells this dialect's client the stream failed. */
  failure: (error: ShimError) => string
}

export interface WatchOptions {
  /** Silence longer than this between upstream chunks fails the stream (0 = never). */
  idleTimeoutMs: number
  /** Aborts the upstream request (idle timeout, client gone). */
  onAbort?: (reason: unknown) => void
  /** An incomplete event is held back up to this size, then let through as it comes. */
  maxHeldBytes?: number
}

const BOUNDARIES = [Buffer.from('\n\n'), Buffer.from('\r\n\r\n')]
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
  let held: Buffer | null = null
  let atBoundary = true
  let answered = false
  let closed = false

  const forward = (controller: ReadableStreamDefaultController<Uint8Array>, bytes: Buffer) => {
    if (!bytes.length) return
    if (!answered && terminals.some((marker) => bytes.includes(marker))) answered = true
    atBoundary = endsAtBoundary(bytes)
    controller.enqueue(bytes)
  }

  const finish = (controller: ReadableStreamDefaultController<Uint8Array>, error: ShimError | null) => {
    closed = true
    if (held) forward(controller, held)
    held = null
    // An answer that already finished needs nothing more, even if the connection then broke.
    if (!answered) {
      const failure = error ?? new ShimError('upstream_stream', 'The upstream closed the stream before it finished.')
      controller.enqueue(Buffer.from((atBoundary ? '' : '\n\n') + dialect.failure(failure)))
    }
    controller.close()
  }

  return new ReadableStream<Uint8Array>(
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
        options.onAbort?.(reason)
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
}
