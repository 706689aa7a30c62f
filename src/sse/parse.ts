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
 * Bytes → events, per the WHATWG event-stream rules: `\n`, `\r\n` and `\r`
 * line ends, multi-line `data`, comments, a leading BOM, and events split at
 * any byte across chunks. Works incrementally: nothing waits for the stream end.
 */
export function createSseParser(options: { maxEventBytes?: number } = {}): TransformStream<Uint8Array, SseMessage> {
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES
  const decoder = new TextDecoder()
  let buffer = ''
  let first = true
  let event: string | undefined
  let id: string | undefined
  let data: string[] = []
  let dataBytes = 0
  let pendingCR = false

  function dispatch(controller: TransformStreamDefaultController<SseMessage>): void {
    if (data.length) {
      const message: SseMessage = { data: data.join('\n') }
      if (event !== undefined) message.event = event
      if (id !== undefined) message.id = id
      controller.enqueue(message)
    }
    data = []
    dataBytes = 0
    event = undefined
  }

  function line(text: string, controller: TransformStreamDefaultController<SseMessage>): void {
    if (text === '') return dispatch(controller)
    if (text.charCodeAt(0) === 58 /* : */) return // comment / keepalive
    const colon = text.indexOf(':')
    const field = colon === -1 ? text : text.slice(0, colon)
    let value = colon === -1 ? '' : text.slice(colon + 1)
    if (value.charCodeAt(0) === 32) value = value.slice(1)
    if (field === 'data') {
      dataBytes += value.length
      if (dataBytes > maxEventBytes) throw new SseTooLargeError(maxEventBytes)
      data.push(value)
    } else if (field === 'event') event = value
    else if (field === 'id') id = value
    // `retry` and unknown fields are ignored.
  }

  function consume(chunk: string, controller: TransformStreamDefaultController<SseMessage>): void {
    let text = buffer + chunk
    if (first && text.length) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1)
      first = false
    }
    let start = 0
    if (pendingCR && text.charCodeAt(0) === 10) start = 1 // the \n of a \r\n split across chunks
    pendingCR = false
    for (let i = start; i < text.length; i++) {
      const code = text.charCodeAt(i)
      if (code !== 10 && code !== 13) continue
      line(text.slice(start, i), controller)
      if (code === 13) {
        if (i + 1 === text.length) pendingCR = true
        else if (text.charCodeAt(i + 1) === 10) i++
      }
      start = i + 1
    }
    buffer = text.slice(start)
    if (buffer.length > maxEventBytes) throw new SseTooLargeError(maxEventBytes)
  }

  return new TransformStream<Uint8Array, SseMessage>({
    transform(chunk, controller) {
      consume(decoder.decode(chunk, { stream: true }), controller)
    },
    flush(controller) {
      consume(decoder.decode(), controller)
      // A final event without its blank line still counts once the stream ends.
      if (buffer) line(buffer, controller)
      buffer = ''
      dispatch(controller)
    },
  })
}

/** JSON.parse that never throws: adapters skip what they cannot read. */
export function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch {
    return { ok: false }
  }
}
