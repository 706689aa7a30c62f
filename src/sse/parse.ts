/** One server-sent event. `event` is absent when the stream sends data-only events. */
export interface SseMessage {
  event?: string
  data: string
  id?: string
}

/** Beyond this an event is treated as a broken stream rather than buffered forever. */
export const DEFAULT_MAX_EVENT_BYTES = 32 * 1024 * 1024

export class SseTooLargeError extends Error {
  constructor(limit: number) {
    super(`An upstream event exceeded ${Math.round(limit / 1024 / 1024)} MiB.`)
    this.name = 'SseTooLargeError'
  }
}

/**
 * Text → events, per the WHATWG event-stream rules: `\n`, `\r\n` and `\r`
 * line ends, multi-line `data`, comments, a leading BOM, and events split at
 * any point across chunks. Incremental: call `push` per decoded chunk.
 */
export class SseParser {
  /** The current line's text so far (no line break in it), in arrival pieces. */
  private buffer: string[] = []
  private bufferLength = 0
  private first = true
  private event: string | undefined
  private id: string | undefined
  private data: string[] = []
  private dataBytes = 0
  private pendingCR = false
  /** Set by `hold`: the least rest of a chunk worth holding (0 = no hold asked). */
  private holdRequested = 0
  /** The rest of a chunk after a hold, parsed by `resume`. */
  private held = ''

  /**
   * `ndjson` reads the same bytes as newline-delimited JSON (a subprocess's
   * stdout): each non-empty line is one message whose `data` is the line.
   */
  constructor(
    private readonly maxEventBytes = DEFAULT_MAX_EVENT_BYTES,
    private readonly format: 'sse' | 'ndjson' = 'sse',
  ) {}

  push(chunk: string, emit: (message: SseMessage) => void): void {
    // An empty read (a zero-length chunk, as a decompressing stream can give) must keep a pending CR.
    if (!chunk) return
    let text = chunk
    if (this.first && text.length) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      this.first = false
    }
    let start = 0
    if (this.pendingCR && text.charCodeAt(0) === 10) start = 1 // the \n of a \r\n split across chunks
    this.pendingCR = false
    // Only the new chunk is scanned: the carried-over part holds no line break, so a
    // multi-megabyte line arriving in many chunks costs linear, not quadratic, time.
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code !== 10 && code !== 13) continue
      const piece = text.slice(start, i)
      if (this.buffer.length) {
        this.line(this.buffer.join('') + piece, emit)
        this.buffer.length = 0
        this.bufferLength = 0
      } else this.line(piece, emit)
      if (code === 13) {
        if (i + 1 === text.length) this.pendingCR = true
        else if (text.charCodeAt(i + 1) === 10) i++
      }
      start = i + 1
      if (this.holdRequested) {
        const least = this.holdRequested
        this.holdRequested = 0
        if (text.length - start >= least) {
          this.held = text.slice(start)
          return
        }
      }
    }
    this.holdRequested = 0
    if (start < text.length) {
      this.buffer.push(start ? text.slice(start) : text)
      this.bufferLength += text.length - start
      if (this.bufferLength > this.maxEventBytes) throw new SseTooLargeError(this.maxEventBytes)
    }
  }

  /**
   * Called from `emit` during `push`: when at least `leastRest` characters of the chunk follow the
   * line that dispatched this message, `push` returns after that line and keeps the rest for
   * `resume`, so the caller can send what it has before parsing on. During `end` there is nothing
   * left to hold.
   */
  hold(leastRest = 1): void {
    this.holdRequested = Math.max(1, leastRest)
  }

  /** A chunk's rest is waiting: call `resume` before pushing the next chunk. */
  get holding(): boolean {
    return this.held !== ''
  }

  resume(emit: (message: SseMessage) => void): void {
    const rest = this.held
    this.held = ''
    this.push(rest, emit)
  }

  /** The stream ended: a final event without its blank line still counts. */
  end(emit: (message: SseMessage) => void): void {
    if (this.buffer.length) this.line(this.buffer.join(''), emit)
    this.buffer.length = 0
    this.bufferLength = 0
    this.dispatch(emit)
  }

  private dispatch(emit: (message: SseMessage) => void): void {
    if (this.data.length) {
      const message: SseMessage = { data: this.data.length === 1 ? this.data[0]! : this.data.join('\n') }
      if (this.event !== undefined) message.event = this.event
      if (this.id !== undefined) message.id = this.id
      emit(message)
    }
    this.data.length = 0
    this.dataBytes = 0
    this.event = undefined
  }

  private line(text: string, emit: (message: SseMessage) => void): void {
    if (this.format === 'ndjson') {
      if (text.trim()) emit({ data: text })
      return
    }
    if (text === '') return this.dispatch(emit)
    if (text.charCodeAt(0) === 58 /* : */) return // comment / keepalive
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') {
      this.dataBytes += value.length
      if (this.dataBytes > this.maxEventBytes) throw new SseTooLargeError(this.maxEventBytes)
      this.data.push(value)
    } else if (field === 'event') this.event = value
    else if (field === 'id') this.id = value
    // `retry` and unknown fields are ignored.
  }
}

/** JSON.parse that never throws: adapters skip what they cannot read. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}
