import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeChatUpstream, stream, textReply, type Json as ChatJson } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream, type Json } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * Responses a state-keeping upstream (openai-responses) stored through the fast path: the shim
 * never held them, yet `retrieve`, `inputItems.list` and `delete` must reach them, and a stateless
 * model (a switch of model, a fallback) must be able to continue them with their whole context.
 */
const KEY = 'sk-upstream-state-0123456789'
const prompts = ['what is the secret word?', 'how long is it?', 'how does it start?']
const answers = ['the secret word is FIG', 'it has four letters', 'it starts with F']
const upstreamFor = (inputItems: 'context' | 'own', down: { stored: boolean }) =>
  startFakeResponsesUpstream((body) => ({ kind: 'output', items: [{ text: answers[prompts.indexOf(body.input)] ?? 'hm' }] }), {
    apiKey: KEY,
    inputItems,
    storedFailure: () => (down.stored ? Response.json({ error: { message: 'stored responses are down', type: 'server_error' } }, { status: 503 }) : null),
  })

const chatSeen: ChatJson[] = []
const chat = startFakeChatUpstream((body) => {
  chatSeen.push(body)
  return stream(textReply('FIG, as before'))
})
const down = { stored: false }
const contextUpstream = upstreamFor('context', down)
const ownUpstream = upstreamFor('own', down)
const shim = startShim(
  settingsFrom([
    { slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: contextUpstream.url, api_key: KEY },
    { slug: 'stateful-own', model: 'r', provider: 'openai-responses', base_url: ownUpstream.url, api_key: KEY },
    { slug: 'stateless', model: 'c', provider: 'generic-chat-completion-api', base_url: chat.url },
  ]),
)
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'client-key-unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  chat.close()
  contextUpstream.close()
  ownUpstream.close()
})

/** Three turns chained upstream with previous_response_id: the Agents SDK's server-managed mode. */
async function chainedTurns(model: string): Promise<string> {
  let previous: string | undefined
  for (const prompt of prompts) {
    const response = await client.responses.create({ model, input: prompt, ...(previous && { previous_response_id: previous }) })
    previous = response.id
  }
  return previous!
}

/** The conversation a chat upstream was sent, as role: text lines. */
const transcript = (body: ChatJson) => (body.messages as ChatJson[]).map((message) => `${message.role}: ${typeof message.content === 'string' ? message.content : JSON.stringify(message.content)}`)

describe('retrieval of a response an openai-responses upstream stored', () => {
  test('retrieve, inputItems.list and delete reach the upstream that holds it, with its key', async () => {
    const created = await client.responses.create({ model: 'stateful', input: 'what is the secret word?' })
    expect(created.id).toStartWith('resp_fake')
    const retrieved = await client.responses.retrieve(created.id)
    expect(retrieved.id).toBe(created.id)
    expect(retrieved.output_text).toBe('the secret word is FIG')
    const items: string[] = []
    for await (const item of client.responses.inputItems.list(created.id, { order: 'asc' })) items.push(JSON.stringify(item))
    expect(items).toHaveLength(1)
    expect(items[0]).toContain('what is the secret word?')
    expect(contextUpstream.storedCalls).toContain(`GET /v1/responses/${created.id}`)
    // Replayed as the upstream streams it, resumed after a sequence number.
    const replay = await client.responses.retrieve(created.id, { stream: true, starting_after: 1 })
    const types: string[] = []
    for await (const event of replay) types.push(event.type)
    expect(types[0]).toBe('response.output_item.added')
    expect(types.at(-1)).toBe('response.completed')
    expect(contextUpstream.storedCalls).toContain(`GET /v1/responses/${created.id}?stream=true&starting_after=1`)
    expect(await client.responses.delete(created.id)).toMatchObject({ id: created.id, deleted: true })
    expect(contextUpstream.storedCalls).toContain(`DELETE /v1/responses/${created.id}`)
    const gone = await client.responses.retrieve(created.id).catch((error: unknown) => error)
    expect(gone).toBeInstanceOf(OpenAI.NotFoundError)
  })

  test('a response on the second upstream is found there after the first says 404', async () => {
    const created = await client.responses.create({ model: 'stateful-own', input: 'what is the secret word?' })
    const retrieved = await client.responses.retrieve(created.id)
    expect(retrieved.output_text).toBe('the secret word is FIG')
    expect(contextUpstream.storedCalls).toContain(`GET /v1/responses/${created.id}`)
    expect(ownUpstream.storedCalls).toContain(`GET /v1/responses/${created.id}`)
  })

  test('an id no upstream holds is the API\'s 404; an upstream outage is its error, not "not found"', async () => {
    const unknown = await fetch(`${shim.url}/v1/responses/resp_nobody_has_this`)
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toEqual({ error: { message: "Response with id 'resp_nobody_has_this' not found.", type: 'invalid_request_error', param: null, code: null } })
    down.stored = true
    try {
      const outage = await fetch(`${shim.url}/v1/responses/resp_nobody_has_this`)
      expect(outage.status).toBe(503)
      const text = await outage.text()
      expect(text).toContain('stored responses are down')
      expect(text).not.toContain(KEY)
    } finally {
      down.stored = false
    }
  })
})

describe('a stateless model continues a response an openai-responses upstream stored', () => {
  for (const [slug, upstream, listing] of [['stateful', contextUpstream, 'the whole chain'], ['stateful-own', ownUpstream, 'only its own input']] as const) {
    test(`its whole context, once and in order, when the upstream lists ${listing}`, async () => {
      const last = await chainedTurns(slug)
      const before = chatSeen.length
      const next = await client.responses.create({ model: 'stateless', previous_response_id: last, input: 'repeat the word' })
      expect(next.output_text).toBe('FIG, as before')
      expect(chatSeen).toHaveLength(before + 1)
      expect(transcript(chatSeen.at(-1)!)).toEqual([
        'user: what is the secret word?',
        `assistant: ${answers[0]}`,
        'user: how long is it?',
        `assistant: ${answers[1]}`,
        'user: how does it start?',
        `assistant: ${answers[2]}`,
        'user: repeat the word',
      ])
      // The shim's own answer continues from there, on any model.
      await client.responses.create({ model: 'stateless', previous_response_id: next.id, input: 'once more' })
      expect(transcript(chatSeen.at(-1)!).slice(-3)).toEqual(['user: repeat the word', 'assistant: FIG, as before', 'user: once more'])
      // Its copy is not the shim's to serve or delete: both still go to the upstream.
      const calls = upstream.storedCalls.length
      expect((await client.responses.retrieve(last)).id).toBe(last)
      await client.responses.delete(last)
      expect(upstream.storedCalls.slice(calls)).toEqual([`GET /v1/responses/${last}`, `DELETE /v1/responses/${last}`])
      const again = await client.responses.create({ model: 'stateless', previous_response_id: last, input: 'and now?' }).catch((error: unknown) => error)
      expect(again).toBeInstanceOf(OpenAI.BadRequestError)
      expect((again as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('previous_response_not_found')
    })
  }

  test('an unknown id is "not found"; an upstream that cannot be read is a 502 of its own, naming the field', async () => {
    const unknown = await client.responses.create({ model: 'stateless', previous_response_id: 'resp_nobody_has_this', input: 'hi' }).catch((error: unknown) => error)
    expect(unknown).toBeInstanceOf(OpenAI.BadRequestError)
    expect((unknown as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('previous_response_not_found')
    const created = await client.responses.create({ model: 'stateful', input: 'what is the secret word?' })
    down.stored = true
    try {
      const outage = await client.responses.create({ model: 'stateless', previous_response_id: created.id, input: 'hi' }).catch((error: unknown) => error)
      expect(outage).toBeInstanceOf(OpenAI.InternalServerError)
      const error = outage as InstanceType<typeof OpenAI.InternalServerError>
      expect(error.status).toBe(502)
      expect(error.code).toBe('previous_response_unavailable')
      expect((error.error as Json).param).toBe('previous_response_id')
      expect(error.message).toContain('stored responses are down')
      expect(error.message).not.toContain(KEY)
    } finally {
      down.stored = false
    }
  })
})

describe('a response one openai-responses upstream stored, continued on another', () => {
  // OpenAI first, Azure OpenAI as its fallback: each keeps its own responses.
  let firstDown = false
  const first = startFakeResponsesUpstream((body) => (firstDown ? { kind: 'error', status: 503, body: { error: { message: 'first is down', type: 'server_error' } } } : { kind: 'output', items: [{ text: answers[prompts.indexOf(body.input)] ?? 'hm' }] }), { apiKey: KEY })
  const second = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: 'FIG, from the second' }] }), { apiKey: 'sk-second-upstream-9876543210' })
  const pair = startShim(
    settingsFrom([
      { slug: 'first', model: 'r', provider: 'openai-responses', base_url: first.url, api_key: KEY, fallbacks: ['second'] },
      { slug: 'second', model: 'r', provider: 'openai-responses', base_url: second.url, api_key: 'sk-second-upstream-9876543210' },
    ]),
  )
  const pairClient = new OpenAI({ baseURL: `${pair.url}/v1`, apiKey: 'client-key-unused', maxRetries: 0 })
  afterAll(() => {
    pair.close()
    first.close()
    second.close()
  })

  test('the second refuses the first\'s id; it gets the whole context instead, on a switch and on a fallback', async () => {
    const started = await pairClient.responses.create({ model: 'first', input: prompts[0]! })
    const switched = await pairClient.responses.create({ model: 'second', previous_response_id: started.id, input: 'repeat the word' })
    expect(switched.output_text).toBe('FIG, from the second')
    const refusedThenWhole = second.requests.slice(-2).map((request) => request.body)
    expect(refusedThenWhole[0]!.previous_response_id).toBe(started.id)
    expect(refusedThenWhole[1]!.previous_response_id).toBeUndefined()
    expect(JSON.stringify(refusedThenWhole[1]!.input)).toContain(answers[0]!)
    expect(JSON.stringify(refusedThenWhole[1]!.input)).toContain('repeat the word')

    firstDown = true
    try {
      const fellBack = await pairClient.responses.create({ model: 'first', previous_response_id: started.id, input: 'and again' })
      expect(fellBack.output_text).toBe('FIG, from the second')
      expect(JSON.stringify(second.requests.at(-1)!.body.input)).toContain(prompts[0]!)
    } finally {
      firstDown = false
    }
    // An id neither knows: the second's own refusal, as it wrote it.
    const unknown = await pairClient.responses.create({ model: 'second', previous_response_id: 'resp_nobody_has_this', input: 'hi' }).catch((error: unknown) => error)
    expect((unknown as InstanceType<typeof OpenAI.BadRequestError>).code).toBe('previous_response_not_found')
  })
})
