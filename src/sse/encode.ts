import type { SseMessage } from './parse.ts'

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

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-cache',
  'x-accel-buffering': 'no',
} as const
