import Anthropic from '@anthropic-ai/sdk'
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { RequestRing } from '../../src/ui/request-ring.ts'
import { startHostileUpstream } from '../fakes/hostile-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * Upstreams that ignore `stream: true` and send their whole answer as JSON
 * (older vLLM, some local servers and proxies). The client asked for a stream
 * and gets one: the answer's events in its own dialect, which the official
 * SDKs' stream helpers rebuild into the very answer the upstream sent (under
 * the model name the client asked for). Fast paths and translated routes alike;
 * until now the fast paths answered 502.
 */
const CHAT_ANSWER = {
  id: 'chatcmpl-whole',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'chat-model',
  system_fingerprint: 'fp_whole',
  choices: [
    {
      index: 0,
      message: { role: 'assistant', content: 'Checking the weather.', reasoning_content: 'The user wants Paris.', tool_calls: [{ id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      finish_reason: 'tool_calls',
    },
  ],
  usage: { prompt_tokens: 21, completion_tokens: 13, total_tokens: 34 },
}

const MESSAGES_ANSWER = {
  id: 'msg_whole',
  type: 'message',
  role: 'assistant',
  model: 'claude-model',
  content: [
    { type: 'thinking', thinking: 'Weigh the atlas.', signature: 'sig-whole-1' },
    { type: 'text', text: 'Paris is the capital.', citations: [{ type: 'char_location', cited_text: 'Paris is the capital of France.', document_index: 0, document_title: 'Atlas', start_char_index: 0, end_char_index: 31 }] },
    { type: 'tool_use', id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } },
  ],
  stop_reason: 'tool_use',
  stop_sequence: null,
  usage: { input_tokens: 40, output_tokens: 25, cache_creation_input_tokens: 0, cache_read_input_tokens: 8 },
}

const RESPONSES_ANSWER = {
  id: 'resp_whole',
  object: 'response',
  created_at: 1_700_000_000,
  status: 'completed',
  model: 'resp-model',
  output: [
    { id: 'rs_1', type: 'reasoning', summary: [{ type: 'summary_text', text: 'Look up the weather.' }] },
    { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Checking Paris.', annotations: [] }] },
    { id: 'fc_1', type: 'function_call', status: 'completed', call_id: 'call_w', name: 'get_weather', arguments: '{"city":"Paris"}' },
  ],
  usage: { input_tokens: 30, input_tokens_details: { cached_tokens: 0 }, output_tokens: 12, output_tokens_details: { reasoning_tokens: 4 }, total_tokens: 42 },
  error: null,
  incomplete_details: null,
}

let override: Response | null = null
const upstream = startHostileUpstream((_request, url) => {
  if (override) return override
  if (url.pathname.endsWith('/chat/completions')) return Response.json(CHAT_ANSWER)
  if (url.pathname.endsWith('/messages')) return Response.json(MESSAGES_ANSWER)
  return Response.json(RESPONSES_ANSWER)
})
const shim = startShim(
  settingsFrom([
    { slug: 'to-chat', model: 'chat-model', provider: 'generic-chat-completion-api', base_url: `${upstream.url}/v1`, api_key: 'k-whole-answer-0123456789' },
    { slug: 'to-anthropic', model: 'claude-model', provider: 'anthropic', base_url: upstream.url, api_key: 'k-whole-answer-0123456789' },
    { slug: 'to-responses', model: 'resp-model', provider: 'openai-responses', base_url: `${upstream.url}/v1`, api_key: 'k-whole-answer-0123456789' },
  ]),
  { retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 }, ring: new RequestRing() },
)
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
const anthropic = new Anthropic({ baseURL: shim.url, apiKey: 'unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  upstream.stop()
})

const weatherChat = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }
const weatherMessages = { name: 'get_weather', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } }
const weatherResponses = { type: 'function' as const, name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }

describe('fast paths: the whole answer as the stream the client asked for', () => {
  test('openai SDK chat.completions.stream(): text, reasoning, the tool call, usage', async () => {
    const runner = openai.chat.completions.stream({ model: 'to-chat', messages: [{ role: 'user', content: 'weather?' }], tools: [weatherChat], stream_options: { include_usage: true } })
    let text = ''
    runner.on('content', (delta) => (text += delta))
    const final = await runner.finalChatCompletion()
    expect(text).toBe('Checking the weather.')
    expect(final.model).toBe('to-chat')
    expect(final.system_fingerprint).toBe('fp_whole')
    expect(final.choices[0]!.finish_reason).toBe('tool_calls')
    expect(final.choices[0]!.message.tool_calls).toMatchObject([{ id: 'call_w', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } } as never])
    expect((final.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe('The user wants Paris.')
    expect(final.usage).toEqual(CHAT_ANSWER.usage)
  })

  test('a chat client that did not ask for usage gets no usage chunk, and the usage is still counted', async () => {
    const response = await fetch(`${shim.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'to-chat', messages: [{ role: 'user', content: 'weather?' }], stream: true }) })
    const chunks = (await response.text()).split('\n').filter((line) => line.startsWith('data: {')).map((line) => JSON.parse(line.slice(6)))
    // A client reading choices[0] of every chunk (as many do) must not meet an empty list it never asked for.
    expect(chunks.every((chunk) => chunk.choices.length === 1)).toBe(true)
    expect(chunks.some((chunk) => 'usage' in chunk)).toBe(false)
    await Bun.sleep(10)
    expect(shim.deps.ring!.list().at(-1)).toMatchObject({ slug: 'to-chat', status: 200, tokens: { input: 21, output: 13 } })
  })

  test('Anthropic SDK messages.stream(): the same message block for block (thinking signature, citations, tool input)', async () => {
    const stream = anthropic.messages.stream({ model: 'to-anthropic', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }], tools: [weatherMessages] })
    const citations: unknown[] = []
    stream.on('citation', (citation) => citations.push(citation))
    const final = await stream.finalMessage()
    expect(final.content).toEqual(MESSAGES_ANSWER.content as never)
    expect(citations).toEqual(MESSAGES_ANSWER.content[1]!.citations!)
    expect(final.model).toBe('to-anthropic')
    expect(final.stop_reason).toBe('tool_use')
    expect(final.usage).toMatchObject(MESSAGES_ANSWER.usage)
  })

  test('openai SDK responses.stream(): the same output, text as deltas', async () => {
    const runner = openai.responses.stream({ model: 'to-responses', input: 'weather?', tools: [weatherResponses] })
    let text = ''
    runner.on('response.output_text.delta', (event) => (text += event.delta))
    const final = await runner.finalResponse()
    expect(text).toBe('Checking Paris.')
    expect(final.output).toMatchObject(RESPONSES_ANSWER.output as never)
    expect(final.model).toBe('to-responses')
    expect(final.usage).toEqual(RESPONSES_ANSWER.usage as never)
  })
})

describe('translated routes decode the whole answer as its stream', () => {
  test('Responses client → chat upstream', async () => {
    const final = await openai.responses.stream({ model: 'to-chat', input: 'weather?', tools: [weatherResponses] }).finalResponse()
    expect(final.output.find((item) => item.type === 'function_call')).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}', call_id: 'call_w' })
    expect(final.output_text).toBe('Checking the weather.')
  })

  test('Chat client → Anthropic upstream', async () => {
    const final = await openai.chat.completions.stream({ model: 'to-anthropic', messages: [{ role: 'user', content: 'weather?' }], tools: [weatherChat] }).finalChatCompletion()
    expect(final.choices[0]!.message.content).toBe('Paris is the capital.')
    expect(final.choices[0]!.message.tool_calls?.[0]?.function).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}' })
  })

  test('Messages client → openai-responses upstream', async () => {
    const final = await anthropic.messages.stream({ model: 'to-responses', max_tokens: 100, messages: [{ role: 'user', content: 'weather?' }], tools: [weatherMessages] }).finalMessage()
    expect(final.content.find((block) => block.type === 'text')).toMatchObject({ text: 'Checking Paris.' })
    expect(final.content.find((block) => block.type === 'tool_use')).toMatchObject({ name: 'get_weather', input: { city: 'Paris' } })
    expect(final.stop_reason).toBe('tool_use')
  })
})

describe('what is not a whole answer stays an error, with the upstream\'s words', () => {
  const cases = [
    ['/v1/chat/completions', { model: 'to-chat', messages: [{ role: 'user', content: 'hi' }], stream: true }],
    ['/v1/messages', { model: 'to-anthropic', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], stream: true }],
    ['/v1/responses', { model: 'to-responses', input: 'hi', stream: true }],
    // Translated: the same check before decoding.
    ['/v1/responses', { model: 'to-chat', input: 'hi', stream: true }],
  ] as const

  test.each(cases)('%s (%o): an error object sent with 200 is a 502 quoting it', async (path, body) => {
    override = Response.json({ error: { message: 'quota exhausted for this key', type: 'insufficient_quota' } })
    try {
      const response = await fetch(`${shim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(body) })
      const text = await response.text()
      // A translated route has sent its 200 and stream head by then: the failure is the stream's error event.
      if (response.status === 200) expect(text).toContain('response.failed')
      else expect(response.status).toBe(502)
      expect(text).toContain('where an event stream was asked for')
      expect(text).toContain('it said: quota exhausted for this key')
    } finally {
      override = null
    }
  })

  test('a background response still queued is no answer to replay: a 502', async () => {
    override = Response.json({ ...RESPONSES_ANSWER, status: 'queued', output: [] })
    try {
      const response = await fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'to-responses', input: 'hi', stream: true }) })
      expect(response.status).toBe(502)
      expect(await response.text()).toContain('where an event stream was asked for')
    } finally {
      override = null
    }
  })
})

describe('an event stream labelled as JSON (a proxy\'s mistake)', () => {
  test('is still the stream asked for, on a fast path and a translated route', async () => {
    const labelled = () => new Response(
      'event: message_start\ndata: {"type":"message_start","message":{"id":"m1","type":"message","role":"assistant","content":[],"model":"claude-model","stop_reason":null,"usage":{"input_tokens":3,"output_tokens":0}}}\n\n' +
        'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}\n\n' +
        'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"labelled wrong"}}\n\n' +
        'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n' +
        'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":2}}\n\n' +
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      { headers: { 'content-type': 'application/json' } },
    )
    override = labelled()
    try {
      const fast = await anthropic.messages.stream({ model: 'to-anthropic', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage()
      expect(fast.content).toEqual([{ type: 'text', text: 'labelled wrong' } as never])
      override = labelled()
      const translated = await openai.chat.completions.stream({ model: 'to-anthropic', messages: [{ role: 'user', content: 'hi' }] }).finalChatCompletion()
      expect(translated.choices[0]!.message.content).toBe('labelled wrong')
    } finally {
      override = null
    }
  })
})

