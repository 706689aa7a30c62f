import { describe, expect, test } from 'bun:test'
import { decodeBody, streamOf } from '../../src/canonical/decode.ts'
import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../../src/canonical/types.ts'
import { fromCanonical as toChatRequest } from '../../src/dialects/chat/request.ts'
import { createChatDecoder } from '../../src/dialects/chat/stream.ts'
import { fromCanonical as toMessagesRequest } from '../../src/dialects/messages/request.ts'
import { createMessagesDecoder } from '../../src/dialects/messages/stream.ts'
import { assertMessagesTranslatable, messagesToCanonical, parseMessagesRequest } from '../../src/dialects/messages/to-canonical.ts'
import { formatEvent } from '../../src/sse/encode.ts'

/**
 * Translation cost must grow linearly with the number of items. Wall-clock
 * figures depend on the machine, so these tests compare sizes against each
 * other: 10× the items must cost well under 25× the time (quadratic code
 * shows ~100×). Best of three runs, after a warm-up, to keep noise out.
 */
const BOUND = 25
const CHAT_OPTIONS = { model: 'm', maxTokensField: 'max_tokens', replayReasoning: false, supportsPromptCacheKey: false, supportsVerbosity: false, supportsServiceTier: false, imageSupport: true } as const
const TOOLS = [{ type: 'function' as const, name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }]

async function best(run: () => unknown | Promise<unknown>): Promise<number> {
  let fastest = Infinity
  for (let i = 0; i < 3; i++) {
    const started = performance.now()
    await run()
    fastest = Math.min(fastest, performance.now() - started)
  }
  return fastest
}

async function ratio(make: (count: number) => () => unknown | Promise<unknown>, small: number): Promise<number> {
  await make(small)() // warm-up: the first run pays for compilation
  const a = await best(make(small))
  const b = await best(make(small * 10))
  return b / Math.max(a, 1)
}

/** Claude Code–sized bodies taken to the extreme: that many short user messages in a row. */
const userMessages = (count: number) => JSON.stringify({ model: 'm', max_tokens: 100, messages: Array.from({ length: count }, (_, i) => ({ role: 'user', content: `hi ${i}` })) })

function translateMessages(count: number, to: 'chat' | 'messages') {
  const text = userMessages(count)
  return () => {
    const request = parseMessagesRequest(JSON.parse(text), { requireMaxTokens: true })
    assertMessagesTranslatable(request)
    const canonical = messagesToCanonical(request)
    const plan = flattenTools(canonical.tools)
    if (to === 'chat') return toChatRequest(canonical, plan, CHAT_OPTIONS)
    return toMessagesRequest(canonical, plan, { model: 'm', maxTokens: 8000, reasoningEfforts: [], promptCaching: true, imageSupport: true })
  }
}

function toolCallStream(count: number, dialect: 'chat' | 'messages') {
  const parts: string[] = []
  for (let i = 0; i < count; i++) {
    if (dialect === 'chat') {
      parts.push(`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":${i},"id":"call_${i}","type":"function","function":{"name":"exec_command","arguments":""}}]}}]}\n\n`)
      parts.push(`data: {"choices":[{"index":0,"delta":{"tool_calls":[{"index":${i},"function":{"arguments":"{\\"cmd\\":\\"echo ${i}\\"}"}}]}}]}\n\n`)
    } else {
      parts.push(`event: content_block_start\ndata: {"type":"content_block_start","index":${i},"content_block":{"type":"tool_use","id":"toolu_${i}","name":"exec_command","input":{}}}\n\n`)
      parts.push(`event: content_block_delta\ndata: {"type":"content_block_delta","index":${i},"delta":{"type":"input_json_delta","partial_json":"{\\"cmd\\":\\"echo ${i}\\"}"}}\n\n`)
      parts.push(`event: content_block_stop\ndata: {"type":"content_block_stop","index":${i}}\n\n`)
    }
  }
  parts.push(dialect === 'chat' ? 'data: {"choices":[{"index":0,"delta":{},"finish_reason":"tool_calls"}]}\n\ndata: [DONE]\n\n' : 'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"tool_use"}}\n\nevent: message_stop\ndata: {"type":"message_stop"}\n\n')
  const bytes = new TextEncoder().encode(parts.join(''))
  const chunks: Uint8Array[] = []
  for (let i = 0; i < bytes.length; i += 16_384) chunks.push(bytes.subarray(i, i + 16_384))
  const plan = flattenTools(TOOLS)
  return async () => {
    const decoder = dialect === 'chat' ? createChatDecoder : createMessagesDecoder
    const reader = decodeBody(streamOf(chunks), (emit) => decoder(emit, { model: 'm', tools: plan })).encoded(formatEvent).getReader()
    let last: Uint8Array | undefined
    for (;;) {
      const { value, done } = await reader.read()
      if (done) break
      last = value
    }
    if (!new TextDecoder().decode(last).includes('event: response.completed')) throw new Error('the stream did not complete')
  }
}

describe('translation grows linearly', () => {
  test('Messages request of 5k vs 50k user messages → chat', async () => {
    expect(await ratio((count) => translateMessages(count, 'chat'), 5_000)).toBeLessThan(BOUND)
  }, 120_000)

  test('Messages request of 5k vs 50k user messages → Anthropic', async () => {
    expect(await ratio((count) => translateMessages(count, 'messages'), 5_000)).toBeLessThan(BOUND)
  }, 120_000)

  test('chat stream of 2k vs 20k tool calls → Responses events', async () => {
    expect(await ratio((count) => toolCallStream(count, 'chat'), 2_000)).toBeLessThan(BOUND)
  }, 120_000)

  test('Anthropic stream of 2k vs 20k tool_use blocks → Responses events', async () => {
    expect(await ratio((count) => toolCallStream(count, 'messages'), 2_000)).toBeLessThan(BOUND)
  }, 120_000)
})

describe('merging consecutive user messages (now joined once) keeps its shape', () => {
  test('text runs join with newlines; a non-text part turns the message into parts with the text so far first', () => {
    const request: ResponsesRequest = {
      model: 'm',
      input: [
        { type: 'message', role: 'user', content: 'a' },
        { type: 'message', role: 'user', content: 'b' },
        { type: 'message', role: 'user', content: [{ type: 'input_image', image_url: 'https://x/i.png' }] },
        { type: 'message', role: 'user', content: 'c' },
        { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] },
        { type: 'message', role: 'developer', content: 'rule 1' },
        { type: 'message', role: 'developer', content: 'rule 2' },
        { type: 'message', role: 'user', content: 'd' },
        { type: 'message', role: 'user', content: 'e' },
      ],
    }
    const body = toChatRequest(request, flattenTools([]), CHAT_OPTIONS)
    expect(body.messages).toEqual([
      { role: 'user', content: [{ type: 'text', text: 'a\nb' }, { type: 'image_url', image_url: { url: 'https://x/i.png' } }, { type: 'text', text: 'c' }] },
      { role: 'assistant', content: 'ok' },
      { role: 'system', content: 'rule 1\n\nrule 2' },
      { role: 'user', content: 'd\ne' },
    ])
  })
})
