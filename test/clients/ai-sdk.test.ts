import { createOpenAI } from '@ai-sdk/openai'
import { stepCountIs, streamText, tool, type ModelMessage } from 'ai'
import { afterAll, describe, expect, test } from 'bun:test'
import { z } from 'zod'
import { events, messageEvents, signThinking, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

/**
 * Issue #13: the Vercel AI SDK (`ai` + `@ai-sdk/openai`, unmodified). Its
 * Responses model defaults to `store: true`, so from the second step on it
 * sends earlier items it got from us as `{type:"item_reference", id}`: the
 * reasoning item always, the assistant text whenever the model is not an
 * OpenAI reasoning model (convertToOpenAIResponsesInput in @ai-sdk/openai).
 * Function calls go in full. The upstreams keep no state, so they see the
 * earlier text and the signed thinking only if the shim resolved those
 * references from its store; the Anthropic fake checks the signature.
 */

const WEATHER = 'AISDK-WEATHER: what is the weather in Paris?'
const FOLLOW_UP = 'AISDK-FOLLOWUP: and what did you just tell me?'

// ---- Anthropic upstream (thinking on) -------------------------------------------------------

const blocksOf = (m: Json): Json[] => (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content)
const anthropicText = (body: Json) => body.messages.flatMap(blocksOf).map((b: Json) => b.text ?? '').join('\n')
const anthropicUpstream = startFakeAnthropicUpstream((body) => {
  const last = blocksOf(body.messages.at(-1))
  const result = last.find((b: Json) => b.type === 'tool_result')
  if (result) {
    const text = typeof result.content === 'string' ? result.content : result.content.map((b: Json) => b.text).join('')
    return events(messageEvents([{ thinking: 'The tool answered.' }, { text: `DONE: ${text}` }]))
  }
  if (last.some((b: Json) => b.text?.includes('AISDK-FOLLOWUP'))) {
    // Only a conversation that reached us whole holds the earlier answer.
    return events(messageEvents([{ text: anthropicText(body).includes('DONE: sunny') ? 'FOLLOWUP-OK' : 'FOLLOWUP-LOST' }]))
  }
  return events(messageEvents([{ thinking: 'I need the weather tool.' }, { text: 'Checking.' }, { tool: { id: 'toolu_w', name: 'get_weather', input: { city: 'Paris' } } }]))
})

// ---- chat upstream ----------------------------------------------------------------

const chatText = (body: Json) => body.messages.map((m: Json) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''))).join('\n')
const chatUpstream = startFakeChatUpstream((body) => {
  const last = body.messages.at(-1)
  if (last.role === 'tool') return stream(textReply(`DONE: ${last.content}`))
  if (chatText(body).includes('AISDK-FOLLOWUP')) return stream(textReply(chatText(body).includes('DONE: sunny') ? 'FOLLOWUP-OK' : 'FOLLOWUP-LOST'))
  return stream(toolCallReply([{ id: 'call_w', name: 'get_weather', arguments: { city: 'Paris' } }], { text: 'Checking.' }))
})

const shim = startShim(
  settingsFrom([chatModel(chatUpstream.url), { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUpstream.url, api_key: 'sk-ant-upstream', reasoning_effort: 'high' }]),
)
afterAll(() => {
  shim.close()
  chatUpstream.close()
  anthropicUpstream.close()
})

/** What the AI SDK put on the wire, request by request. */
const sentBySdk: Json[] = []
const openai = createOpenAI({
  baseURL: `${shim.url}/v1`,
  apiKey: 'client-key-unused',
  fetch: (async (url: string | URL | Request, init?: RequestInit) => {
    if (typeof init?.body === 'string') sentBySdk.push(JSON.parse(init.body))
    return fetch(url, init)
  }) as typeof fetch,
})

const calls: string[] = []
const tools = {
  get_weather: tool({
    description: 'Weather for a city',
    inputSchema: z.object({ city: z.string() }),
    execute: async ({ city }) => {
      calls.push(city)
      return `sunny in ${city}`
    },
  }),
}

/** One streamText tool loop; returns the text, the SDK's requests and the response id. */
async function weatherLoop(model: string) {
  const before = sentBySdk.length
  calls.length = 0
  const result = streamText({ model: openai.responses(model), tools, stopWhen: stepCountIs(3), prompt: WEATHER })
  let streamed = ''
  for await (const delta of result.textStream) streamed += delta
  const [text, response, metadata] = await Promise.all([result.text, result.response, result.providerMetadata])
  return { streamed, text, messages: response.messages, responseId: metadata?.openai?.responseId as string | undefined, sent: sentBySdk.slice(before) }
}

describe.each([
  ['claude', 'an Anthropic upstream (thinking on)', () => anthropicUpstream.requests.map((r) => r.body)],
  ['fake', 'a chat upstream', () => chatUpstream.requests.map((r) => r.body)],
])('ai streamText + openai.responses(%s) via %s, store on (the default)', (model, _, upstreamBodies) => {
  let firstTurn: Awaited<ReturnType<typeof weatherLoop>>

  test('a tool loop: step 2 sends item_references, and the upstream gets the earlier text (and signed thinking)', async () => {
    const before = upstreamBodies().length
    firstTurn = await weatherLoop(model)
    expect(calls).toEqual(['Paris'])
    // `text` is the last step's; the stream carries both steps.
    expect(firstTurn.text).toBe('DONE: sunny in Paris')
    expect(firstTurn.streamed).toBe('Checking.DONE: sunny in Paris')

    // The SDK really used references: step 2 names our earlier items by id, not by content.
    const [step1, step2] = firstTurn.sent
    expect(step1!.store).toBeUndefined()
    const references = step2!.input.filter((item: Json) => item.type === 'item_reference').map((item: Json) => item.id)
    expect(references.some((id: string) => id.startsWith('msg_'))).toBe(true)
    if (model === 'claude') expect(references.some((id: string) => id.startsWith('rs_'))).toBe(true)
    expect(JSON.stringify(step2!.input)).not.toContain('Checking.')
    expect(step2!.input.map((item: Json) => item.type)).toContain('function_call_output')

    const [first, second, ...rest] = upstreamBodies().slice(before)
    expect(rest).toEqual([])
    if (model === 'claude') {
      expect(first!.thinking?.type).toBe('enabled')
      const assistant = second!.messages.at(-2)
      expect(assistant.content.map((b: Json) => b.type)).toEqual(['thinking', 'text', 'tool_use'])
      expect(assistant.content[0]).toEqual({ type: 'thinking', thinking: 'I need the weather tool.', signature: signThinking('I need the weather tool.') })
      expect(assistant.content[1]).toMatchObject({ type: 'text', text: 'Checking.' })
      expect(second!.thinking?.type).toBe('enabled')
    } else {
      const assistant = second!.messages.find((m: Json) => m.role === 'assistant')
      expect(assistant).toMatchObject({ content: 'Checking.', tool_calls: [{ id: 'call_w', function: { name: 'get_weather' } }] })
    }
  })

  test('a second turn with providerOptions.openai.previousResponseId carries the first turn upstream', async () => {
    expect(firstTurn.responseId).toMatch(/^resp_/)
    const before = upstreamBodies().length
    const result = streamText({ model: openai.responses(model), prompt: FOLLOW_UP, providerOptions: { openai: { previousResponseId: firstTurn.responseId! } } })
    expect(await result.text).toBe('FOLLOWUP-OK')
    const sent = sentBySdk.at(-1)!
    expect(sent.previous_response_id).toBe(firstTurn.responseId)
    expect(JSON.stringify(sent.input)).not.toContain('AISDK-WEATHER')
    const upstream = upstreamBodies().slice(before)
    expect(upstream).toHaveLength(1)
    expect(JSON.stringify(upstream[0]!.messages)).toContain('AISDK-WEATHER')
  })

  test('a second turn replaying the response messages (item_reference mode) also carries the first turn', async () => {
    const before = upstreamBodies().length
    const messages: ModelMessage[] = [{ role: 'user', content: WEATHER }, ...firstTurn.messages, { role: 'user', content: FOLLOW_UP }]
    const result = streamText({ model: openai.responses(model), messages })
    expect(await result.text).toBe('FOLLOWUP-OK')
    expect(sentBySdk.at(-1)!.input.some((item: Json) => item.type === 'item_reference')).toBe(true)
    expect(upstreamBodies().slice(before)).toHaveLength(1)
  })

  test('an item_reference to an id the shim never issued is a 400, and nothing goes upstream', async () => {
    const before = upstreamBodies().length
    const response = await fetch(`${shim.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer client-key-unused' },
      body: JSON.stringify({ model, input: [{ type: 'item_reference', id: 'msg_neverissued' }, { role: 'user', content: 'hi' }] }),
    })
    expect(response.status).toBe(400)
    expect(JSON.stringify(await response.json())).toContain('msg_neverissued')
    expect(upstreamBodies().length).toBe(before)
  })
})

describe('ai streamText + openai.chat(fake): the chat fast path', () => {
  test('a streamed tool call, executed by the SDK, and the answer that uses it', async () => {
    const before = chatUpstream.requests.length
    calls.length = 0
    const result = streamText({ model: openai.chat('fake'), tools, stopWhen: stepCountIs(3), prompt: WEATHER })
    const parts: string[] = []
    for await (const part of result.fullStream) parts.push(part.type)
    expect(parts).toEqual(expect.arrayContaining(['tool-call', 'tool-result', 'text-delta', 'finish']))
    expect(calls).toEqual(['Paris'])
    expect(await result.text).toBe('DONE: sunny in Paris')
    expect((await result.steps).map((step) => step.text)).toEqual(['Checking.', 'DONE: sunny in Paris'])
    const [first, second] = chatUpstream.requests.slice(before).map((r) => r.body)
    expect(first!.model).toBe('fake-model')
    expect(first!.tools.map((t: Json) => t.function.name)).toEqual(['get_weather'])
    expect(second!.messages.at(-1)).toMatchObject({ role: 'tool', tool_call_id: 'call_w', content: 'sunny in Paris' })
  })
})
