import { describeMs, ShimError, withoutRuntimeAdvice } from '../errors.ts'
import { byteScrubber, secretsFor } from '../upstream/redact-sent.ts'

/**
 * The idle timeout for one upstream body, with one timer per stream rather
 * than one per read (a timer and a promise race per chunk cost more than the
 * chunk's translation). Only a read that is waiting counts as silence: while
 * the client is slow to read, the upstream is not being asked for anything.
 * When a read has waited `idleMs`, `onIdle` gets the timeout error (callers
 * cancel the reader with it, which ends the pending read).
 */
export class IdleWatch {
  private waitingSince = 0
  private waiting = false
  private timer: ReturnType<typeof setTimeout> | undefined
  private stopped = false

  constructor(
    private readonly idleMs: number,
    private readonly onIdle: (error: ShimError) => void,
  ) {}

  /** Call as a read starts. */
  reading(): void {
    this.waiting = true
    this.waitingSince = performance.now()
    if (this.idleMs > 0 && !this.timer && !this.stopped) this.arm(this.idleMs)
  }

  /** Call when a read returns. */
  read(): void {
    this.waiting = false
  }

  stop(): void {
    this.stopped = true
    clearTimeout(this.timer)
    this.timer = undefined
  }

  private arm(ms: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined
      if (this.stopped) return
      const waited = performance.now() - this.waitingSince
      if (this.waiting && waited >= this.idleMs) {
        this.stopped = true
        this.onIdle(new ShimError('upstream_timeout', `The upstream sent nothing for ${describeMs(this.idleMs)}; giving up on this response.`))
      } else if (this.waiting) this.arm(this.idleMs - waited)
      // Not waiting: the next read re-arms.
    }, ms)
  }
}

type ReadResult = { done: true; value?: undefined } | { done: false; value: Uint8Array }

/** Every upstream body being read, by the function that ends it with an error (as the idle timeout does). */
const openBodies = new Set<(error: ShimError) => void>()

/**
 * Ends every upstream body being read with `error`: each answer in flight then
 * closes with its dialect's error event (the same path as an idle timeout),
 * rather than being cut off with the connection. The proxy's shutdown calls it
 * (daemon/foreground.ts). Returns how many were open.
 */
export function endOpenBodies(error: ShimError): number {
  const count = openBodies.size
  for (const end of [...openBodies]) end(error)
  return count
}

/**
 * A reader whose reads fail with the idle timeout when the upstream stays
 * silent too long (0 = wait forever). `release()` stops the watch. Reads are
 * promise chains rather than async functions: this runs once per chunk of
 * every answer, and each async frame costs about as much as the chunk's bookkeeping.
 */
export function watchedReader(body: ReadableStream<Uint8Array>, idleMs: number) {
  const reader = body.getReader()
  let timedOut: ShimError | null = null
  const end = (error: ShimError) => {
    openBodies.delete(end)
    timedOut = error
    reader.cancel(error).catch(() => {})
  }
  const watch = new IdleWatch(idleMs, end)
  openBodies.add(end)
  const settled = (result: Awaited<ReturnType<typeof reader.read>>): ReadResult => {
    watch.read()
    if (timedOut) throw timedOut
    return result as ReadResult
  }
  const failed = (error: unknown): never => {
    watch.read()
    throw error
  }
  const readRaw = (): Promise<ReadResult> => {
    watch.reading()
    return reader.read().then(settled, failed)
  }
  // An upstream that echoes the credentials we sent (in an error event, say) has them removed
  // here, the one reader every upstream body goes through. Bodies fetched without secrets skip it.
  const secrets = secretsFor(body)
  const scrubber = secrets.length ? byteScrubber(secrets) : null
  const scrubbed = (result: ReadResult): ReadResult | Promise<ReadResult> => {
    if (result.done) {
      const rest = scrubber!.flush()
      return rest?.length ? { done: false, value: rest } : result
    }
    const value = scrubber!.push(result.value)
    return value.length ? { done: false, value } : readRaw().then(scrubbed)
  }
  return {
    read(): Promise<ReadResult> {
      return scrubber ? readRaw().then(scrubbed) : readRaw()
    },
    cancel(reason?: unknown): Promise<void> {
      watch.stop()
      openBodies.delete(end)
      return reader.cancel(reason).catch(() => {})
    },
    release(): void {
      watch.stop()
      openBodies.delete(end)
    },
  }
}

/** Any failure while reading an upstream body, as the ShimError the client will hear about. */
export function streamError(error: unknown): ShimError {
  if (error instanceof ShimError) return error
  const message = error instanceof Error ? withoutRuntimeAdvice(error.message) : String(error)
  return new ShimError('upstream_stream', `The upstream stream broke: ${message}`)
}
