/** The request hot path's shortcuts (#12): each must give exactly what the slow way gave. */
import { describe, expect, test } from 'bun:test'
import { CHAT_PASSTHROUGH } from '../../src/dialects/chat/from-events.ts'
import { plainPathname } from '../../src/server/pathname.ts'
import { buildHostAllowlist, checkRequest } from '../../src/server/guard.ts'
import { dataLinesMentioning, eventsMentioning, renameModels, rewriteEvents, watchPassthrough, withoutUsageChunks } from '../../src/sse/watch.ts'
import { upstreamLabel } from '../../src/upstream/context.ts'
import { byteScrubber, secretsOf, sentSecrets } from '../../src/upstream/redact-sent.ts'
import { isOpencodeHost } from '../../src/providers/opencode-session.ts'

const bytes = (text: string) => new TextEncoder().encode(text)
const text = (value: Uint8Array) => new TextDecoder().decode(value)
const rename = (input: string, model = 'mine') => text(renameModels(bytes(input), bytes(model)))

test.each([
  ['one event', 'data: {"model":"up","x":1}\n\n', 'data: {"model":"mine","x":1}\n\n'],
  ['only the first match of an event', 'data: {"model":"up","m":{"model":"inner"}}\n\n', 'data: {"model":"mine","m":{"model":"inner"}}\n\n'],
  ['each event of a chunk', 'data: {"model":"a"}\n\ndata: {"model":"bb","n":{"model":"c"}}\n\ndata: {"model":"dddd"}\n\n', 'data: {"model":"mine"}\n\ndata: {"model":"mine","n":{"model":"c"}}\n\ndata: {"model":"mine"}\n\n'],
  ['CRLF boundaries', 'data: {"model":"a","b":{"model":"x"}}\r\n\r\ndata: {"model":"b"}\r\n\r\n', 'data: {"model":"mine","b":{"model":"x"}}\r\n\r\ndata: {"model":"mine"}\r\n\r\n'],
  ['an escaped value is not a name: the next match is tried', 'data: {"model":"a\\"b","model":"c"}\n\n', 'data: {"model":"a\\"b","model":"mine"}\n\n'],
  ['no model key', 'data: {"usage":{}}\n\n', 'data: {"usage":{}}\n\n'],
  ['an unterminated value', 'data: {"model":"abc', 'data: {"model":"abc'],
])('renameModels: %s', (_, input, expected) => {
  expect(rename(input)).toBe(expected)
})

// The byte-level readers against the text they replaced: each chunk's lines split and filtered as strings.
const usageOnlyByText = (input: string) =>
  input
    .split(/(?<=\n\n|\r\n\r\n)/)
    .filter((event) => !(event.includes('"usage"') && /"choices"\s*:\s*\[\s*\]/.test(event)))
    .join('')
const usageChunk = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":3}}'
test.each([
  ['the usage chunk among deltas', `data: {"choices":[{"delta":{"content":"a"}}]}\n\n${usageChunk}\n\ndata: [DONE]\n\n`],
  ['CRLF boundaries', `data: {"choices":[{"delta":{}}]}\r\n\r\n${usageChunk}\r\n\r\ndata: [DONE]\r\n\r\n`],
  ['first in the chunk', `${usageChunk}\n\ndata: [DONE]\n\n`],
  ['last, with no blank line after it (a held tail let through)', `data: {"choices":[]}\n\n${usageChunk}`],
  ['spaces inside the empty choices', 'data: {"choices" : [ ],"usage":{}}\n\n'],
  ['usage beside a choice is kept', 'data: {"choices":[{"delta":{}}],"usage":{"prompt_tokens":1}}\n\n'],
  ['"usage" in the text is not a key', 'data: {"choices":[{"delta":{"content":"the \\"usage\\" of []"}}]}\n\n'],
  ['two usage chunks', `${usageChunk}\n\ndata: {"choices":[{"delta":{}}]}\n\n${usageChunk}\n\n`],
  ['an event of several lines', `event: x\n${usageChunk}\nid: 4\n\ndata: [DONE]\n\n`],
  ['nothing to drop', 'data: {"choices":[{"delta":{"content":"a"}}]}\n\n'],
])('withoutUsageChunks matches the text reading: %s', (_, input) => {
  expect(text(withoutUsageChunks(bytes(input)))).toBe(usageOnlyByText(input))
})

const modelled = (content: string) => `data: {"id":"c","model":"up","choices":[{"delta":{"content":"${content}"}}]}`
const modelledUsage = 'data: {"id":"c","model":"up","choices":[],"usage":{"prompt_tokens":3}}'
test.each([
  ['a rename inside the dropped event goes with it', `${modelled('a')}\n\n${modelledUsage}\n\ndata: [DONE]\n\n`],
  ['renames on both sides of it', `${modelled('a')}\n\n${modelledUsage}\n\n${modelled('b')}\n\n`],
  ['the dropped event first', `${modelledUsage}\n\n${modelled('a')}\n\n`],
  ['only the dropped event', `${modelledUsage}\n\n`],
  ['nothing dropped, CRLF', `${modelled('a')}\r\n\r\n${modelled('b')}\r\n\r\n`],
  ['a model already right and a usage kept', 'data: {"model":"mine","choices":[{"delta":{}}],"usage":{}}\n\n'],
])('rewriteEvents in one pass equals renaming, then dropping usage chunks: %s', (_, input) => {
  const model = bytes('mine')
  expect(text(rewriteEvents(bytes(input), model, true))).toBe(text(withoutUsageChunks(renameModels(bytes(input), model))))
  expect(text(rewriteEvents(bytes(input), model, true))).toBe(usageOnlyByText(rename(input)))
})

test('a blank line written LF then CR LF ends an event for the drop as it does for the cut (it crashed or cut the answer short)', () => {
  const usage = 'data: {"choices":[],"usage":{}}'
  const content = (n: number) => `data: {"choices":[{"delta":{"content":"part ${n}"}}]}\n\n`
  expect(text(withoutUsageChunks(bytes(`${usage}\n\r\n${usage}\n\r`)))).toBe('')
  const rest = `${content(1)}${content(2)}${content(3)}data: [DONE]\n\n`
  expect(text(withoutUsageChunks(bytes(`${usage}\n\r\n${usage}\n\r\n${rest}`)))).toBe(rest)
  expect(text(rewriteEvents(bytes(`data: {"model":"up","choices":[{"delta":{}}]}\n\r\n${usage}\n\r\n${rest}`), bytes('mine'), true))).toBe(`data: {"model":"mine","choices":[{"delta":{}}]}\n\r\n${rest}`)
})

test('withoutUsageChunks returns the very same bytes when nothing is dropped', () => {
  const input = bytes('data: {"choices":[{"delta":{}}],"usage":{}}\n\n')
  expect(withoutUsageChunks(input)).toBe(input)
})

test.each([
  ['one line among others', 'data: {"a":1}\n\ndata: {"usage":{"n":2}}\n\ndata: [DONE]\n\n'],
  ['the first line, CRLF', 'data: {"usage":{"n":1}}\r\n\r\ndata: {"usage":{"n":2}}\r\n\r\n'],
  ['no newline at the end', 'data: {"x":0}\n\ndata:{"usage":3}'],
  ['a line that is not data', 'event: {"usage":1}\ndata: {"usage":2}\n\n'],
  ['a line that is not JSON', 'data: {"usage":\n\ndata: {"usage":5}\n\n'],
  ['two mentions on one line', 'data: {"usage":1,"more":{"usage":2}}\n\n'],
  ['none', 'data: {"a":1}\n\n'],
])('dataLinesMentioning matches eventsMentioning: %s', (_, input) => {
  expect(dataLinesMentioning(bytes(input), bytes('"usage"'))).toEqual(eventsMentioning(input, '"usage"'))
})

test('renameModels returns the very same bytes when the name is already right', () => {
  const input = bytes('data: {"model":"mine"}\n\ndata: {"model":"mine"}\n\n')
  expect(renameModels(input, bytes('mine'))).toBe(input)
})

test('watchPassthrough: an event split across reads is held whole, renamed once, and the end without a terminal is reported', async () => {
  const parts = ['data: {"model":"up","choices":[{"delta":{"content":"a"}}]}\n\ndata: {"mo', 'del":"up","choices":[{"delta":{"content":"b"}}]}\n', '\n']
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const part of parts) controller.enqueue(bytes(part))
      controller.close()
    },
  })
  const chunks: string[] = []
  const reader = watchPassthrough(body, CHAT_PASSTHROUGH, { idleTimeoutMs: 0, rename: 'mine' }).getReader()
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    chunks.push(text(value))
  }
  expect(chunks[0]).toBe('data: {"model":"mine","choices":[{"delta":{"content":"a"}}]}\n\n')
  expect(chunks[1]).toBe('data: {"model":"mine","choices":[{"delta":{"content":"b"}}]}\n\n')
  // No finish_reason and no [DONE]: the client hears a failure in its own dialect.
  expect(chunks.slice(2).join('')).toContain('"error"')
})

test.each([
  'http://127.0.0.1:8765/v1/chat/completions',
  'http://127.0.0.1:8765/v1/responses?x=1',
  'http://localhost:8765/v1/models#frag',
  'http://[::1]:8765/v1/messages/',
  'http://127.0.0.1:8765/',
  'http://127.0.0.1:8765//v1/v1/responses',
  'http://127.0.0.1:8765/v1/a_b-c~d.e',
])('plainPathname agrees with URL for plain paths: %s', (href) => {
  expect(plainPathname(href)).toBe(new URL(href).pathname)
})

test.each([
  'http://127.0.0.1:8765/v1/../admin',
  'http://127.0.0.1:8765/v1/./responses',
  'http://127.0.0.1:8765/v1/%72esponses',
  'http://127.0.0.1:8765/v1/résumé',
  'http://127.0.0.1:8765/v1\\responses',
  'not a url',
])('plainPathname leaves what URL must normalise to URL: %s', (href) => {
  expect(plainPathname(href)).toBeNull()
})

test('a host verdict is remembered per allowlist, never shared between two', () => {
  const request = (host: string) => new Request('http://x/v1/models', { headers: { host } })
  const narrow = buildHostAllowlist('127.0.0.1', '')
  const wide = buildHostAllowlist('127.0.0.1', 'example.test')
  for (let i = 0; i < 3; i++) {
    expect(() => checkRequest(request('example.test:8765'), narrow)).toThrow('is not allowed')
    expect(() => checkRequest(request('example.test:8765'), wide)).not.toThrow()
    expect(() => checkRequest(request('127.0.0.1:99999'), wide)).toThrow('outside 1-65535')
  }
})

test('sentSecrets: the same headers give the same (frozen) list; a changed key gives a new one', () => {
  const headers = { authorization: 'Bearer sk-hot-path-0123456789', 'content-type': 'application/json' }
  const first = sentSecrets(headers)
  expect(first).toEqual(secretsOf(headers))
  expect(sentSecrets({ ...headers })).toBe(first)
  expect(Object.isFrozen(first)).toBe(true)
  expect(sentSecrets({ ...headers, authorization: 'Bearer sk-hot-path-rotated-987' })).toEqual(['sk-hot-path-rotated-987'])
})

test('byteScrubber holds nothing back from a chunk that ends in a byte no secret has, and still scrubs it', () => {
  const scrubber = byteScrubber(['sk-abcdef-123456'])
  expect(text(scrubber.push(bytes('data: {"k":"sk-abcdef-123456"}\n\n')))).toBe('data: {"k":"[redacted]"}\n\n')
  expect(scrubber.flush()).toBeNull()
  // A tail that could begin the secret is held, then let go when it turns out not to be one.
  expect(text(scrubber.push(bytes('data: sk-ab')))).toBe('data: ')
  expect(text(scrubber.push(bytes('x\n\n')))).toBe('sk-abx\n\n')
})

test('labels and the OpenCode host check are stable across calls (computed once per upstream)', () => {
  expect(upstreamLabel('openai', 'https://user:pw@api.example.test/v1?key=1')).toBe('openai@api.example.test')
  expect(upstreamLabel('openai', 'https://user:pw@api.example.test/v1?key=1')).toBe('openai@api.example.test')
  expect(upstreamLabel('anthropic', 'https://user:pw@api.example.test/v1?key=1')).toBe('anthropic@api.example.test')
  expect(upstreamLabel('ollama', 'not a url')).toBe('ollama')
  for (let i = 0; i < 2; i++) {
    expect(isOpencodeHost('https://opencode.ai/zen/go/v1')).toBe(true)
    expect(isOpencodeHost('https://api.opencode.ai.evil.test/v1')).toBe(false)
    expect(isOpencodeHost('::')).toBe(false)
  }
})

describe('renameModels stays linear in the chunk', () => {
  // A fast upstream's stream reaches us coalesced: one read can hold thousands of events. Each event's
  // end used to be searched for both separators over the rest of the chunk, one of them never present:
  // 10,000 chat deltas in five reads cost 5 µs each (against 0.4 now).
  const chunkOf = (events: number) => Buffer.from(Array.from({ length: events }, (_, i) => `data: {"id":"c","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"content":"t${i} "}}]}\n\n`).join(''))
  const bestOf3 = (run: () => void) => Math.min(...[0, 1, 2].map(() => { const t0 = performance.now(); run(); return performance.now() - t0 }))
  test('10x the events in one chunk costs about 10x, not 100x', () => {
    const model = Buffer.from('chat')
    const small = chunkOf(2_000)
    const large = chunkOf(20_000)
    renameModels(small, model)
    const ratio = bestOf3(() => renameModels(large, model)) / bestOf3(() => renameModels(small, model))
    expect(ratio).toBeLessThan(30)
    // And every event was renamed.
    expect(Buffer.from(renameModels(large, model)).toString().split('"model":"chat"').length - 1).toBe(20_000)
  })
})
