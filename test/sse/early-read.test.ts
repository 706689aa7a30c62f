/**
 * A client's stream starts reading its upstream as it is made (the first read overlaps the sending
 * of the headers), and reads no further ahead: one chunk at most, until the client reads.
 */
import { expect, test } from 'bun:test'
import { decodeBody } from '../../src/canonical/decode.ts'
import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesEvent } from '../../src/canonical/types.ts'
import { CHAT_PASSTHROUGH } from '../../src/dialects/chat/from-events.ts'
import { createChatDecoder } from '../../src/dialects/chat/stream.ts'
import { watchPassthrough } from '../../src/sse/watch.ts'

const encoder = new TextEncoder()
const chunk = (content: string) => `data: {"id":"c","model":"up","choices":[{"index":0,"delta":{"content":"${content}"},"finish_reason":null}]}\n\n`
const END = 'data: {"id":"c","model":"up","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n'

/** An upstream body of `parts` that counts how many the reader asked for. */
function countedUpstream(parts: string[]): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  let next = 0
  const body = new ReadableStream<Uint8Array>(
    {
      pull(controller) {
        if (next < parts.length) controller.enqueue(encoder.encode(parts[next++]!))
        else controller.close()
      },
    },
    { highWaterMark: 0 },
  )
  return { body, pulled: () => next }
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text()
}

test('watchPassthrough reads the first chunk before anyone pulls, then waits for the client', async () => {
  const upstream = countedUpstream([chunk('a'), chunk('b'), chunk('c'), END])
  const stream = watchPassthrough(upstream.body, CHAT_PASSTHROUGH, { idleTimeoutMs: 0, rename: 'mine' })
  await Bun.sleep(20)
  expect(upstream.pulled()).toBe(1)
  const text = await readAll(stream)
  expect(text).toBe([chunk('a'), chunk('b'), chunk('c'), END].join('').replaceAll('"model":"up"', '"model":"mine"'))
})

test('watchPassthrough: an upstream that fails on the first read ends the stream with the dialect error, read later', async () => {
  const body = new ReadableStream<Uint8Array>({ pull: (controller) => controller.error(new Error('connection reset')) })
  const stream = watchPassthrough(body, CHAT_PASSTHROUGH, { idleTimeoutMs: 0 })
  await Bun.sleep(10)
  const text = await readAll(stream)
  expect(text).toContain('"error"')
  expect(text).toContain('connection reset')
})

test('decodeBody: a client stream reads the first chunk before anyone pulls; events decoded for the aggregator wait for a read', async () => {
  const encoded = countedUpstream([chunk('a'), chunk('b'), END])
  const decoded = decodeBody(encoded.body, (emit) => createChatDecoder(emit, { model: 'm', tools: flattenTools([]) }))
  const stream = decoded.encoded((event: ResponsesEvent) => `${event.type}\n`)
  await Bun.sleep(20)
  expect(encoded.pulled()).toBe(1)
  const text = await readAll(stream)
  expect(text).toContain('response.output_text.delta')
  expect(text.trim().split('\n').at(-1)).toBe('response.completed')

  const aggregated = countedUpstream([chunk('a'), END])
  const events = decodeBody(aggregated.body, (emit) => createChatDecoder(emit, { model: 'm', tools: flattenTools([]) })).events()
  await Bun.sleep(20)
  expect(aggregated.pulled()).toBe(0)
  void events.cancel()
})

test('a read whose events are all left out is followed by another: the stream goes on (it stalled for good)', async () => {
  const usageOnly = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":1}}\n\n'
  for (const parts of [[chunk('a'), usageOnly, END], [usageOnly, chunk('a'), END]]) {
    const upstream = countedUpstream(parts)
    const stream = watchPassthrough(upstream.body, CHAT_PASSTHROUGH, { idleTimeoutMs: 0, dropUsageChunks: true, onUsage: () => {} })
    const text = await Promise.race([readAll(stream), Bun.sleep(2000).then(() => 'stalled')])
    expect(text).toBe(chunk('a') + END)
  }
})

test('whatever throws while a chunk is handled ends the answer with the dialect error and lets the upstream go', async () => {
  const upstream = countedUpstream([chunk('a'), 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":3}}\n\n', chunk('b'), END])
  const aborted: unknown[] = []
  const stream = watchPassthrough(upstream.body, CHAT_PASSTHROUGH, {
    idleTimeoutMs: 0,
    onAbort: (reason) => aborted.push(reason),
    onUsage: () => {
      throw new Error('a usage hook broke')
    },
  })
  const text = await Promise.race([readAll(stream), Bun.sleep(2000).then(() => 'stalled')])
  expect(text.startsWith(chunk('a'))).toBe(true)
  expect(text).toContain('a usage hook broke')
  expect(text).not.toContain('"content":"b"')
  expect(aborted).toHaveLength(1)
})
