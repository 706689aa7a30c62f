import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

/**
 * The stateful half of the Responses API on a translated route (Responses →
 * chat): `previous_response_id` and `item_reference` are expanded from the
 * shim's memory, stored responses can be read back and deleted, and unknown
 * ids are the API's 400s, before anything goes upstream.
 */
const upstream = startFakeChatUpstream((body: Json) =>
  body.messages.some((m: Json) => m.role === 'tool') ? stream(textReply('DONE: it is sunny.')) : stream(toolCallReply([{ id: 'call_w', name: 'get_weather', arguments: { city: 'Paris' } }])),
)
const shim = startShim(settingsFrom([chatModel(upstream.url)]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'x', maxRetries: 0 })
afterAll(() => {
  shim.close()
  upstream.close()
})
const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } }, strict: false }]

describe('previous_response_id on a translated route', () => {
  test('the follow-up carries the earlier context, so the tool output meets its call', async () => {
    const first = await client.responses.create({ model: 'fake', input: 'Weather in Paris?', tools })
    const call = first.output.find((item) => item.type === 'function_call') as OpenAI.Responses.ResponseFunctionToolCall
    expect(call.call_id).toBe('call_w')
    const second = await client.responses.create({ model: 'fake', previous_response_id: first.id, input: [{ type: 'function_call_output', call_id: 'call_w', output: 'sunny' }], tools })
    expect(second.output_text).toBe('DONE: it is sunny.')
    const sent = upstream.requests.at(-1)!.body.messages
    expect(sent.map((m: Json) => m.role)).toEqual(['user', 'assistant', 'tool'])
    expect(sent[0].content).toContain('Weather in Paris?')
  })

  test('an unknown id is the API\'s 400, and nothing goes upstream', async () => {
    const before = upstream.requests.length
    const error = await client.responses.create({ model: 'fake', previous_response_id: 'resp_doesnotexist', input: 'x' }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.error).toMatchObject({ code: 'previous_response_not_found', param: 'previous_response_id' })
    expect(upstream.requests.length).toBe(before)
  })

  test('an item_reference to an unknown id is a 400 naming input[i].id', async () => {
    const error = await client.responses.create({ model: 'fake', input: [{ type: 'item_reference', id: 'msg_nope' } as never] }).catch((e) => e)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.error.param).toBe('input[0].id')
  })
})

describe('retrieval', () => {
  test('retrieve, list input items and delete round-trip; store:false is not retrievable', async () => {
    const stored = await client.responses.create({ model: 'fake', input: 'Weather in Paris?', tools })
    const again = await client.responses.retrieve(stored.id)
    expect(again.id).toBe(stored.id)
    expect(again.output).toEqual(stored.output)
    const items = await client.responses.inputItems.list(stored.id)
    expect(items.data.length).toBe(1)
    await client.responses.delete(stored.id)
    expect(await client.responses.retrieve(stored.id).catch((e) => e)).toBeInstanceOf(OpenAI.NotFoundError)
    const unstored = await client.responses.create({ model: 'fake', input: 'Weather in Paris?', tools, store: false })
    expect(await client.responses.retrieve(unstored.id).catch((e) => e)).toBeInstanceOf(OpenAI.NotFoundError)
  })
})
