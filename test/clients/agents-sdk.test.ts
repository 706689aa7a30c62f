import { Agent, OpenAIResponsesModel, run, setTracingDisabled, tool } from '@openai/agents'
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { z } from 'zod'
import { events, messageEvents, signThinking, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

/**
 * Issue #13: the OpenAI Agents SDK (`@openai/agents`, unmodified) with a
 * server-managed conversation — `run(agent, input, { previousResponseId })` —
 * on routes whose upstream keeps no state (Chat Completions, Anthropic). Turn 2
 * sends only the new input plus `previous_response_id`, and inside the run the
 * tool round trip sends only `function_call_output` plus the id of the answer
 * that asked for it. The fakes see the whole conversation only if the shim
 * expanded those ids from its store.
 */

setTracingDisabled(true)

const CODE_WORD = 'ZEBRA-42'
const TURN_1 = `Remember the code word ${CODE_WORD}.`
const TURN_2 = 'SECOND TURN: look up the code word with the tool.'

// ---- chat upstream ----------------------------------------------------------------

const chatText = (m: Json) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content ?? ''))
const chatUpstream = startFakeChatUpstream((body) => {
  const last = body.messages.at(-1)
  if (last.role === 'tool') return stream(textReply(`DONE: ${last.content}`))
  if (!chatText(last).includes('SECOND TURN')) return stream(textReply('Noted.'))
  // Only a model that saw turn 1 knows which word to look up.
  const word = body.messages.some((m: Json) => m.role === 'user' && chatText(m).includes(CODE_WORD)) ? CODE_WORD : 'UNKNOWN'
  return stream(toolCallReply([{ id: 'call_lookup', name: 'lookup', arguments: { word } }]))
})

// ---- Anthropic upstream (thinking on) -------------------------------------------------------

const blocksOf = (m: Json): Json[] => (typeof m.content === 'string' ? [{ type: 'text', text: m.content }] : m.content)
const anthropicUpstream = startFakeAnthropicUpstream((body) => {
  const last = blocksOf(body.messages.at(-1))
  const result = last.find((b: Json) => b.type === 'tool_result')
  if (result) {
    const text = typeof result.content === 'string' ? result.content : result.content.map((b: Json) => b.text).join('')
    return events(messageEvents([{ thinking: 'The tool answered.' }, { text: `DONE: ${text}` }]))
  }
  if (!last.some((b: Json) => b.text?.includes('SECOND TURN'))) return events(messageEvents([{ thinking: 'Store the word.' }, { text: 'Noted.' }]))
  const sawTurn1 = body.messages.some((m: Json) => m.role === 'user' && blocksOf(m).some((b: Json) => b.text?.includes(CODE_WORD)))
  return events(messageEvents([{ thinking: 'Call the lookup tool.' }, { tool: { id: 'toolu_lookup', name: 'lookup', input: { word: sawTurn1 ? CODE_WORD : 'UNKNOWN' } } }]))
})

const shim = startShim(
  settingsFrom([chatModel(chatUpstream.url), { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropicUpstream.url, api_key: 'sk-ant-upstream', reasoning_effort: 'high' }]),
)
afterAll(() => {
  shim.close()
  chatUpstream.close()
  anthropicUpstream.close()
})

const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'client-key-unused', maxRetries: 0 })
/** The SDK ships its own `openai` major for its types; a user's own client (ours, 6.x) works with it at run time. */
const modelOn = (openai: OpenAI, model: string) => new OpenAIResponsesModel(openai as unknown as ConstructorParameters<typeof OpenAIResponsesModel>[0], model)
const lookups: string[] = []
const lookup = tool({
  name: 'lookup',
  description: 'Looks up the secret number for a code word.',
  parameters: z.object({ word: z.string() }),
  execute: async ({ word }) => {
    lookups.push(word)
    return `the number for ${word} is 7`
  },
})
const agentFor = (model: string) => new Agent({ name: 'Keeper', instructions: 'Answer briefly.', model: modelOn(client, model), tools: [lookup] })

describe.each([
  ['fake', 'a chat upstream', () => chatUpstream.requests.map((r) => r.body)],
  ['claude', 'an Anthropic upstream (thinking on)', () => anthropicUpstream.requests.map((r) => r.body)],
])('@openai/agents run() with previousResponseId → %s via %s', (model, _, sent) => {
  test('turn 2 sees turn 1, and its function tool round trip ends with the tool result used', async () => {
    const agent = agentFor(model)
    const before = sent().length
    lookups.length = 0
    const first = await run(agent, TURN_1)
    expect(first.finalOutput).toBe('Noted.')
    expect(first.lastResponseId).toMatch(/^resp_/)

    const second = await run(agent, TURN_2, { previousResponseId: first.lastResponseId })
    expect(lookups).toEqual([CODE_WORD])
    expect(second.finalOutput).toBe(`DONE: the number for ${CODE_WORD} is 7`)

    // Three upstream requests; the last two carry turn 1 (user and assistant) although the SDK sent only new items.
    const requests = sent().slice(before)
    expect(requests).toHaveLength(3)
    for (const body of requests.slice(1)) {
      expect(JSON.stringify(body.messages)).toContain(TURN_1)
      expect(JSON.stringify(body.messages)).toContain('Noted.')
    }
  })

  test('an unknown previousResponseId: the SDK raises the 400 and nothing goes upstream', async () => {
    const before = sent().length
    const error = await run(agentFor(model), 'hello', { previousResponseId: 'resp_doesnotexist' }).then(
      () => null,
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    const apiError = error as InstanceType<typeof OpenAI.BadRequestError>
    expect(apiError.status).toBe(400)
    expect(apiError.param).toBe('previous_response_id')
    expect(apiError.message).toContain('resp_doesnotexist')
    expect(sent().length).toBe(before)
  })
})

describe('what the Agents SDK sent, and what the upstreams got', () => {
  test('the tool-output request carried only function_call_output plus previous_response_id', async () => {
    const bodies: Json[] = []
    const recording = new OpenAI({
      baseURL: `${shim.url}/v1`,
      apiKey: 'client-key-unused',
      maxRetries: 0,
      fetch: async (url, init) => {
        if (typeof init?.body === 'string') bodies.push(JSON.parse(init.body))
        return fetch(url, init)
      },
    })
    const agent = new Agent({ name: 'Keeper', instructions: 'Answer briefly.', model: modelOn(recording, 'fake'), tools: [lookup] })
    const first = await run(agent, TURN_1)
    const second = await run(agent, TURN_2, { previousResponseId: first.lastResponseId })
    expect(second.finalOutput).toBe(`DONE: the number for ${CODE_WORD} is 7`)
    const [, turn2, toolRound] = bodies
    expect(turn2).toMatchObject({ previous_response_id: first.lastResponseId })
    expect(JSON.stringify(turn2!.input)).not.toContain(CODE_WORD)
    expect(toolRound!.previous_response_id).toMatch(/^resp_/)
    expect(toolRound!.previous_response_id).not.toBe(first.lastResponseId)
    expect(toolRound!.input.map((item: Json) => item.type)).toEqual(['function_call_output'])
  })

  test('on Anthropic the replayed tool turn opens with the signed thinking block the fake issued', () => {
    const toolRound = anthropicUpstream.requests.map((r) => r.body).find((body) => blocksOf(body.messages.at(-1)).some((b: Json) => b.type === 'tool_result'))
    expect(toolRound).toBeDefined()
    const assistant = toolRound!.messages.at(-2)
    expect(assistant.content[0]).toEqual({ type: 'thinking', thinking: 'Call the lookup tool.', signature: signThinking('Call the lookup tool.') })
    expect(assistant.content.at(-1)).toMatchObject({ type: 'tool_use', id: 'toolu_lookup', name: 'lookup' })
    expect(toolRound!.thinking?.type).toBe('enabled')
  })
})
