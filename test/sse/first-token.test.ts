/**
 * The first token goes out as soon as it is encoded: when one upstream read holds several events
 * (a short answer often arrives whole), the client's first chunk ends at the first token and the
 * rest of the read is parsed once Bun has written that chunk. Nothing is lost or reordered.
 */
import { expect, test } from 'bun:test'
import { decodeBody } from '../../src/canonical/decode.ts'
import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesEvent } from '../../src/canonical/types.ts'
import { createChatDecoder } from '../../src/dialects/chat/stream.ts'
import { SseParser, type SseMessage } from '../../src/sse/parse.ts'

const encoder = new TextEncoder()
const chunk = (content: string) => `data: {"id":"c","model":"up","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`
const END = 'data: {"id":"c","model":"up","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'

function upstreamOf(parts: string[]): ReadableStream<Uint8Array> {
  let next = 0
  return new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (next < parts.length) controller.enqueue(encoder.encode(parts[next++]!))
        else controller.close()
      },
    },
    { highWaterMark: 0 },
  )
}

async function chunksOf(stream: ReadableStream<Uint8Array>): Promise<string[]> {
  const decoder = new TextDecoder()
  const chunks: string[] = []
  for await (const value of stream) chunks.push(decoder.decode(value))
  return chunks
}

const chatDecoder = (emit: (event: ResponsesEvent) => void) => createChatDecoder(emit, { model: 'm', tools: flattenTools([]) })
const typeLine = (event: ResponsesEvent) => `${event.type}${'delta' in event ? ` ${event.delta}` : ''}\n`

test('a read holding the whole answer: the first chunk ends at the first token, the second has the rest', async () => {
  const whole = [chunk('a'), chunk('b'), chunk('c'), END].join('')
  const chunks = await chunksOf(decodeBody(upstreamOf([whole]), chatDecoder).encoded(typeLine))
  expect(chunks).toHaveLength(2)
  expect(chunks[0]!.trimEnd().split('\n').at(-1)).toBe('response.output_text.delta a')
  expect(chunks[0]).not.toContain('delta b')
  expect(chunks[1]!.startsWith('response.output_text.delta b\nresponse.output_text.delta c\n')).toBe(true)
  expect(chunks[1]!.trimEnd().split('\n').at(-1)).toBe('response.completed')

  // The same answer read event by event gives the same text: the split loses and reorders nothing.
  const apart = await chunksOf(decodeBody(upstreamOf([chunk('a'), chunk('b'), chunk('c'), END]), chatDecoder).encoded(typeLine))
  expect(chunks.join('')).toBe(apart.join(''))
})

test('only the first token is sent apart; later reads go out whole, one chunk each', async () => {
  const chunks = await chunksOf(decodeBody(upstreamOf([chunk('a') + chunk('b'), chunk('c') + chunk('d') + END]), chatDecoder).encoded(typeLine))
  expect(chunks).toHaveLength(3)
  expect(chunks[1]).toBe('response.output_text.delta b\n')
  expect(chunks[2]!.startsWith('response.output_text.delta c\nresponse.output_text.delta d\n')).toBe(true)
})

test('a first token at the end of its read, or in the read that ends the stream, is not held', async () => {
  const atEnd = await chunksOf(decodeBody(upstreamOf([chunk('a'), END]), chatDecoder).encoded(typeLine))
  expect(atEnd).toHaveLength(2)
  expect(atEnd[0]!.trimEnd().split('\n').at(-1)).toBe('response.output_text.delta a')
  // No blank line after the last event: the stream's end, not a read, dispatches it.
  const unterminated = `${chunk('a').trimEnd()}`
  const last = await chunksOf(decodeBody(upstreamOf([unterminated]), chatDecoder).encoded(typeLine))
  expect(last.join('')).toContain('response.output_text.delta a')
  expect(last.join('').trimEnd().split('\n').at(-1)).toMatch(/^response\.(completed|incomplete|failed)$/)
})

test('a client that leaves while the rest is held cancels the upstream and reads no more', async () => {
  let cancelled: unknown = null
  let pulls = 0
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        pulls++
        controller.enqueue(encoder.encode([chunk('a'), chunk('b'), END].join('')))
      },
      cancel(reason) {
        cancelled = reason ?? 'cancelled'
      },
    },
    { highWaterMark: 0 },
  )
  const aborted: unknown[] = []
  const reader = decodeBody(body, chatDecoder, { onAbort: (reason) => aborted.push(reason) }).encoded(typeLine).getReader()
  const first = await reader.read()
  expect(new TextDecoder().decode(first.value)).toContain('delta a')
  await reader.cancel(new Error('client gone'))
  await Bun.sleep(5)
  expect(cancelled).not.toBeNull()
  expect(aborted).toHaveLength(1)
  expect(pulls).toBe(1)
})

test('SseParser.hold: parsing on with resume gives the messages of an uninterrupted parse, whatever the line ends', () => {
  const texts = [
    'event: a\ndata: 1\n\nevent: b\ndata: 2\n\ndata: 3\ndata: 3b\n\n',
    'data: 1\r\n\r\ndata: 2\r\n\r\ndata: 3\r\n\r\n',
    'data: 1\r\rdata: 2\r\rdata: 3\r\r',
    'data: 1\n\r\ndata: 2\r\n\ndata: 3\n\n',
  ]
  for (const text of texts) {
    const whole: SseMessage[] = []
    new SseParser().push(text, (message) => whole.push(message))
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new SseParser()
      const held: SseMessage[] = []
      const emit = (message: SseMessage) => {
        held.push(message)
        parser.hold()
      }
      parser.push(text.slice(0, cut), emit)
      while (parser.holding) parser.resume(emit)
      parser.push(text.slice(cut), emit)
      while (parser.holding) parser.resume(emit)
      expect(held).toEqual(whole)
    }
  }
})

test('SseParser.hold on the last line of a chunk holds nothing; NDJSON holds per line', () => {
  const parser = new SseParser()
  parser.push('data: 1\n\n', () => parser.hold())
  expect(parser.holding).toBe(false)

  const lines = new SseParser(undefined, 'ndjson')
  const seen: string[] = []
  const emit = (message: SseMessage) => {
    seen.push(message.data)
    lines.hold()
  }
  lines.push('{"a":1}\n{"b":2}\n{"c":3}\n', emit)
  expect(seen).toEqual(['{"a":1}'])
  lines.resume(emit)
  expect(seen).toEqual(['{"a":1}', '{"b":2}'])
  lines.resume(emit)
  expect(seen).toEqual(['{"a":1}', '{"b":2}', '{"c":3}'])
  expect(lines.holding).toBe(false)
})
