/**
 * The first token of a burst goes out as soon as it is encoded: when much of an upstream read
 * follows it (FIRST_TOKEN_ALONE_BEFORE), the client's first chunk ends at the first token and the
 * rest of the read is parsed once Bun has written that chunk. A short rest, as in most reads,
 * goes out with it: a second write would cost more than translating the rest. Nothing is lost or
 * reordered either way.
 */
import { expect, test } from 'bun:test'
import { decodeBody, FIRST_TOKEN_ALONE_BEFORE } from '../../src/canonical/decode.ts'
import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesEvent } from '../../src/canonical/types.ts'
import { createChatDecoder } from '../../src/dialects/chat/stream.ts'
import { createMessagesEncoder } from '../../src/dialects/messages/from-events.ts'
import { createResponsesDecoder } from '../../src/dialects/responses/stream.ts'
import { formatSse } from '../../src/sse/encode.ts'
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

/** Enough deltas after the first token that the first token goes out alone. */
const BURST = Array.from({ length: Math.ceil(FIRST_TOKEN_ALONE_BEFORE / chunk('x').length) + 1 }, (_, i) => chunk(`x${i}`)).join('')

test('a burst: the first chunk ends at the first token, the second has the rest of the read', async () => {
  const whole = chunk('a') + BURST + END
  const chunks = await chunksOf(decodeBody(upstreamOf([whole]), chatDecoder).encoded(typeLine))
  expect(chunks).toHaveLength(2)
  expect(chunks[0]!.trimEnd().split('\n').at(-1)).toBe('response.output_text.delta a')
  expect(chunks[0]).not.toContain('delta x0')
  expect(chunks[1]!.startsWith('response.output_text.delta x0\nresponse.output_text.delta x1\n')).toBe(true)
  expect(chunks[1]!.trimEnd().split('\n').at(-1)).toBe('response.completed')

  // The same answer read event by event gives the same text: the split loses and reorders nothing.
  const apart = await chunksOf(decodeBody(upstreamOf([chunk('a'), ...BURST.split(/(?<=\n\n)/), END]), chatDecoder).encoded(typeLine))
  expect(chunks.join('')).toBe(apart.join(''))
})

test('a short rest goes out with the first token, in one chunk', async () => {
  const short = chunk('a') + chunk('b') + chunk('c') + END
  expect(short.length - chunk('a').length).toBeLessThan(FIRST_TOKEN_ALONE_BEFORE)
  const chunks = await chunksOf(decodeBody(upstreamOf([short]), chatDecoder).encoded(typeLine))
  expect(chunks).toHaveLength(1)
  expect(chunks[0]).toContain('delta a\nresponse.output_text.delta b\nresponse.output_text.delta c\n')
})

test('only the first token is sent apart; later reads go out whole, one chunk each', async () => {
  const chunks = await chunksOf(decodeBody(upstreamOf([chunk('a') + BURST, chunk('c') + BURST + END]), chatDecoder).encoded(typeLine))
  expect(chunks).toHaveLength(3)
  expect(chunks[1]!.startsWith('response.output_text.delta x0\n')).toBe(true)
  expect(chunks[2]!.startsWith('response.output_text.delta c\nresponse.output_text.delta x0\n')).toBe(true)
})

test('a first token at the end of its read, or in the read that ends the stream, is not held', async () => {
  const atEnd = await chunksOf(decodeBody(upstreamOf([chunk('a'), BURST + END]), chatDecoder).encoded(typeLine))
  expect(atEnd).toHaveLength(2)
  expect(atEnd[0]!.trimEnd().split('\n').at(-1)).toBe('response.output_text.delta a')
  // No blank line after the last event: the stream's end, not a read, dispatches it.
  const unterminated = `${chunk('a').trimEnd()}`
  const last = await chunksOf(decodeBody(upstreamOf([unterminated]), chatDecoder).encoded(typeLine))
  expect(last.join('')).toContain('response.output_text.delta a')
  expect(last.join('').trimEnd().split('\n').at(-1)).toMatch(/^response\.(completed|incomplete|failed)$/)
})

test('the rest of the read is not made in the turn that sent the first token (Bun would join the two in one write)', async () => {
  const reader = decodeBody(upstreamOf([chunk('a') + BURST + END]), chatDecoder).encoded(typeLine).getReader()
  await reader.read()
  let settled = false
  const second = reader.read().then((result) => ((settled = true), result))
  for (let i = 0; i < 50; i++) await Promise.resolve()
  expect(settled).toBe(false)
  expect(new TextDecoder().decode((await second).value).startsWith('response.output_text.delta x0')).toBe(true)
})

test('a delta the client has no place for is not the first token: the hold waits for one that is sent', async () => {
  const event = (data: object) => `data: ${JSON.stringify(data)}\n\n`
  const response = { id: 'r', object: 'response', status: 'in_progress', model: 'm', output: [] }
  const text = (delta: string, sequence: number) => event({ type: 'response.output_text.delta', output_index: 1, item_id: 'msg', content_index: 0, delta, sequence_number: sequence })
  const read = [
    event({ type: 'response.created', response, sequence_number: 0 }),
    // A hosted tool's code: relayed to Responses clients, nothing in Anthropic Messages.
    event({ type: 'response.code_interpreter_call_code.delta', output_index: 0, item_id: 'ci', delta: 'print(1)', sequence_number: 1 }),
    event({ type: 'response.output_item.added', output_index: 1, item: { id: 'msg', type: 'message', role: 'assistant', status: 'in_progress', content: [] }, sequence_number: 2 }),
    text('Hi', 3),
    ...Array.from({ length: 40 }, (_, i) => text(` there${i}`, 4 + i)),
  ].join('')
  const done = event({ type: 'response.completed', response: { ...response, status: 'completed' }, sequence_number: 99 })
  const encode = createMessagesEncoder({ model: 'm', id: 'x' })
  const stream = decodeBody(upstreamOf([read, done]), (emit) => createResponsesDecoder(emit, { model: 'm' })).encoded((e) => encode(e).map(formatSse).join(''))
  const chunks = await chunksOf(stream)
  expect(chunks[0]).toContain('event: message_start')
  expect(chunks[0]).toContain('"text":"Hi"')
  expect(chunks[0]).not.toContain(' there0')
  expect(chunks[1]).toContain('"text":" there0"')
})

test('a client that leaves while the rest waits to be parsed: the upstream is let go, nothing more is made or counted', async () => {
  let cancelled = 0
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        controller.enqueue(encoder.encode(chunk('a') + BURST + END))
      },
      cancel() {
        cancelled++
      },
    },
    { highWaterMark: 0 },
  )
  const aborted: unknown[] = []
  const sizes: number[] = []
  const ends: string[] = []
  const tracker = { chunk: (size: number) => sizes.push(size), end: (outcome?: string) => ends.push(outcome ?? 'normal') }
  const reader = decodeBody(body, chatDecoder, { onAbort: (reason) => aborted.push(reason) }).encoded(typeLine, tracker).getReader()
  const first = await reader.read()
  expect(new TextDecoder().decode(first.value)).toContain('delta a')
  const second = reader.read() // its pull now waits a turn before parsing the rest
  for (let i = 0; i < 20; i++) await Promise.resolve()
  await reader.cancel(new Error('client gone'))
  expect((await second).done).toBe(true)
  await Bun.sleep(5)
  expect(cancelled).toBe(1)
  expect(aborted).toHaveLength(1)
  expect(ends).toEqual(['client-closed'])
  expect(sizes).toHaveLength(1)
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

test('SseParser.hold on the last line of a chunk, or with less rest than asked, holds nothing; NDJSON holds per line', () => {
  const parser = new SseParser()
  parser.push('data: 1\n\n', () => parser.hold())
  expect(parser.holding).toBe(false)
  const seen: string[] = []
  const asking = new SseParser()
  asking.push('data: 1\n\ndata: 22\n\n', (message) => (seen.push(message.data), asking.hold(11)))
  expect(seen).toEqual(['1', '22']) // 10 characters followed the first event
  const enough = new SseParser()
  enough.push('data: 1\n\ndata: 22\n\n', (message) => (seen.push(message.data), enough.hold(10)))
  expect(enough.holding).toBe(true)

  const lines = new SseParser(undefined, 'ndjson')
  seen.length = 0
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

test('SseParser: an empty read between a CR and its LF keeps them one line end', () => {
  const messages: SseMessage[] = []
  const parser = new SseParser()
  parser.push('data: x\r', (message) => messages.push(message))
  parser.push('', (message) => messages.push(message)) // a zero-length read
  parser.push('\ndata: y\r\n\r\n', (message) => messages.push(message))
  expect(messages).toEqual([{ data: 'x\ny' }])
})

test('the tracker is told the first token with the chunk that holds it, and never by an answer that fails before one', async () => {
  const told = async (parts: string[]) => {
    const calls: boolean[] = []
    const tracker = { chunk: (_size: number, firstToken?: boolean) => void calls.push(firstToken === true), end: () => {} }
    await chunksOf(decodeBody(upstreamOf(parts), chatDecoder).encoded(typeLine, tracker))
    return calls
  }
  const role = 'data: {"id":"c","model":"up","choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n'
  // A preamble, then the token in a later read: only that read's chunk starts the clock.
  expect(await told([role, chunk('hi'), END])).toEqual([false, true, false])
  // An error before any token: no chunk is a first token (the ledger keeps no time to it).
  expect(await told([role, 'data: {"error":{"message":"overloaded","type":"server_error"}}\n\n'])).not.toContain(true)
})
