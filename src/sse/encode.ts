import type { SseMessage } from './parse.ts'

const encoder = new TextEncoder()

/** `event:` (when present) and `data:` lines, then the blank line. JSON data has no newlines. */
export function formatSse(message: SseMessage): string {
  const head = message.event === undefined ? '' : `event: ${message.event}\n`
  const data = message.data.includes('\n') ? message.data.split('\n').join('\ndata: ') : message.data
  return `${head}data: ${data}\n\n`
}

/** A typed event (`{type, …}`) as SSE text with `event: <type>`, as the OpenAI API sends it. */
export function formatEvent<T extends { type: string }>(event: T): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

/** Typed events → SSE bytes (the stream form of `formatEvent`). */
export function encodeEventsAsSse<T extends { type: string }>(): TransformStream<T, Uint8Array> {
  return new TransformStream<T, Uint8Array>({
    transform(event, controller) {
      controller.enqueue(encoder.encode(formatEvent(event)))
    },
  })
}

/** Raw SSE messages → bytes (for dialects like Chat Completions that send data-only events). */
export function encodeSseMessages(): TransformStream<SseMessage, Uint8Array> {
  return new TransformStream<SseMessage, Uint8Array>({
    transform(message, controller) {
      controller.enqueue(encoder.encode(formatSse(message)))
    },
  })
}

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const
