import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { aggregateEvents } from '../../src/canonical/aggregate.ts'
import type { ResponsesEvent, ResponsesRequest } from '../../src/canonical/types.ts'
import { deleteResponse, listInputItems, retrieveResponse, routeStoredResponses } from '../../src/responses-store/handlers.ts'
import { ResponseStore } from '../../src/responses-store/store.ts'
import { prefixedIds, runTurn, user } from './_turns.ts'

const request = (body: Record<string, unknown>): ResponsesRequest => ({ model: 'gpt-test', input: [], ...body }) as ResponsesRequest

/** A store with one answered turn whose input has seven items, two of them without ids. */
function storeWithTurn() {
  const store = new ResponseStore({ ids: prefixedIds('gen') })
  const input = [
    { type: 'message', role: 'developer', content: 'Use tools.' },
    user('one'),
    { type: 'reasoning', id: 'rs_in', summary: [], encrypted_content: 'ENC' },
    { type: 'function_call', id: 'fc_in', call_id: 'call_1', name: 'f', arguments: '{}' },
    { type: 'function_call_output', id: 'fco_in', call_id: 'call_1', output: 'ok' },
    { type: 'message', id: 'msg_a', role: 'assistant', content: [{ type: 'output_text', text: 'two' }] },
    { type: 'message', id: 'msg_u', role: 'user', content: [{ type: 'input_text', text: 'three' }] },
  ]
  const turn = runTurn(store, request({ input }), [
    { think: 'thinking', encrypted: 'ENC-OUT' },
    { say: 'Here you go.' },
    { call: 'call_2', name: 'lookup', args: '{"q":"x"}' },
    { custom: 'call_3', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch' },
  ], { ids: prefixedIds('h1') })
  return { store, turn }
}

const LISTED_IDS = ['msg_gen_1', 'msg_gen_2', 'rs_in', 'fc_in', 'fco_in', 'msg_a', 'msg_u']

/** The replay's own framing, checked strictly: `event: <type>` then one `data:` line, then a blank line. */
async function sseEvents(response: Response): Promise<ResponsesEvent[]> {
  const text = await response.text()
  expect(text.endsWith('\n\n')).toBe(true)
  return text.slice(0, -2).split('\n\n').map((block) => {
    const [eventLine, dataLine, ...extra] = block.split('\n')
    expect(extra).toEqual([])
    expect(dataLine).toStartWith('data: ')
    const event = JSON.parse(dataLine!.slice('data: '.length)) as ResponsesEvent
    expect(eventLine).toBe(`event: ${event.type}`)
    return event
  })
}

describe('GET /v1/responses/{id}', () => {
  test('returns the stored response object', async () => {
    const { store, turn } = storeWithTurn()
    const response = retrieveResponse(store, turn.response.id)
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toBe('application/json')
    expect(await response.json()).toEqual(JSON.parse(JSON.stringify(store.get(turn.response.id)!.response)))
  })

  test('an unknown id is the API\'s 404', async () => {
    const response = retrieveResponse(new ResponseStore(), 'resp_nope')
    expect(response.status).toBe(404)
    expect(await response.json()).toEqual({ error: { message: "Response with id 'resp_nope' not found.", type: 'invalid_request_error', param: null, code: null } })
  })

  test('?stream=true replays the events; aggregating them gives the stored response back', async () => {
    const { store, turn } = storeWithTurn()
    const response = retrieveResponse(store, turn.response.id, new URLSearchParams('stream=true'))
    expect(response.headers.get('content-type')).toStartWith('text/event-stream')
    const events = await sseEvents(response)
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, i) => i))
    expect(events.slice(0, 2).map((event) => event.type)).toEqual(['response.created', 'response.in_progress'])
    expect(events.at(-1)!.type).toBe('response.completed')
    // Per item: added before any delta, done after.
    const kinds = events.map((event) => event.type)
    expect(kinds.indexOf('response.output_item.added')).toBeLessThan(kinds.indexOf('response.reasoning_summary_text.delta'))
    expect(events.filter((event) => event.type === 'response.output_text.delta').map((event) => (event as { delta?: string }).delta)).toEqual(['Here you go.'])
    expect(events.find((event) => event.type === 'response.function_call_arguments.done')).toMatchObject({ arguments: '{"q":"x"}', item_id: 'fc_h1_4' })
    expect(events.find((event) => event.type === 'response.custom_tool_call_input.done')).toMatchObject({ input: '*** Begin Patch\n*** End Patch' })
    const done = events.filter((event) => event.type === 'response.output_item.done').map((event) => (event as { item: unknown }).item)
    expect(done).toEqual(JSON.parse(JSON.stringify(turn.response.output)))
    async function* replay() {
      yield* events
    }
    const aggregated = await aggregateEvents(replay())
    expect(aggregated.terminal).toBe('response.completed')
    expect(aggregated.response).toEqual(JSON.parse(JSON.stringify(store.get(turn.response.id)!.response)))
  })

  test('?stream=true&starting_after=N resumes after that event', async () => {
    const { store, turn } = storeWithTurn()
    const all = await sseEvents(retrieveResponse(store, turn.response.id, new URLSearchParams('stream=true')))
    const rest = await sseEvents(retrieveResponse(store, turn.response.id, new URLSearchParams('stream=true&starting_after=5')))
    expect(rest).toEqual(all.slice(6))
    expect(retrieveResponse(store, turn.response.id, new URLSearchParams('stream=true&starting_after=soon')).status).toBe(400)
  })
})

describe('GET /v1/responses/{id}/input_items', () => {
  const ids = async (response: Response) => {
    const body = (await response.json()) as { data: { id: string }[]; first_id: string | null; last_id: string | null; has_more: boolean; object: string }
    return { ...body, data: body.data.map((item) => item.id) }
  }

  test('newest first by default, every item with an id, messages with content parts', async () => {
    const { store, turn } = storeWithTurn()
    const body = (await listInputItems(store, turn.response.id).json()) as { object: string; data: Record<string, unknown>[]; first_id: string; last_id: string; has_more: boolean }
    expect(body.object).toBe('list')
    expect(body.data.map((item) => item.id)).toEqual([...LISTED_IDS].reverse())
    expect([body.first_id, body.last_id, body.has_more]).toEqual(['msg_u', 'msg_gen_1', false])
    expect(body.data.at(-1)).toEqual({ id: 'msg_gen_1', type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'Use tools.' }], status: 'completed' })
    expect(body.data.find((item) => item.id === 'fco_in')).toEqual({ id: 'fco_in', type: 'function_call_output', call_id: 'call_1', output: 'ok', status: 'completed' })
    expect(body.data.find((item) => item.id === 'rs_in')).toMatchObject({ encrypted_content: 'ENC' })
  })

  test('limit, order, after and before page through the list', async () => {
    const { store, turn } = storeWithTurn()
    const list = (query: string) => ids(listInputItems(store, turn.response.id, new URLSearchParams(query)))
    expect(await list('order=asc&limit=3')).toMatchObject({ data: LISTED_IDS.slice(0, 3), first_id: 'msg_gen_1', last_id: 'rs_in', has_more: true })
    expect(await list('order=asc&limit=3&after=rs_in')).toMatchObject({ data: LISTED_IDS.slice(3, 6), has_more: true })
    expect(await list('order=asc&limit=3&after=msg_a')).toMatchObject({ data: ['msg_u'], has_more: false })
    expect(await list('order=asc&limit=2&before=fco_in')).toMatchObject({ data: ['rs_in', 'fc_in'], has_more: true })
    expect(await list('order=asc&limit=5&before=rs_in')).toMatchObject({ data: ['msg_gen_1', 'msg_gen_2'], has_more: false })
    expect(await list('order=asc&after=msg_gen_2&before=msg_a')).toMatchObject({ data: ['rs_in', 'fc_in', 'fco_in'], has_more: false })
    expect(await list('limit=2')).toMatchObject({ data: ['msg_u', 'msg_a'], has_more: true })
    expect(await list('limit=2&after=msg_a')).toMatchObject({ data: ['fco_in', 'fc_in'], has_more: true })
    expect(await list('order=asc&after=msg_u')).toMatchObject({ data: [], first_id: null, last_id: null, has_more: false })
  })

  test.each([
    ['limit=0', 'limit', 'integer_below_min_value', "Invalid 'limit': integer below minimum value. Expected a value >= 1, but got 0 instead."],
    ['limit=101', 'limit', 'integer_above_max_value', "Invalid 'limit': integer above maximum value. Expected a value <= 100, but got 101 instead."],
    ['limit=ten', 'limit', null, 'Invalid \'limit\': expected an integer between 1 and 100, got "ten".'],
    ['limit=2.5', 'limit', null, 'Invalid \'limit\': expected an integer between 1 and 100, got "2.5".'],
    ['order=up', 'order', 'invalid_value', "Invalid value: 'up'. Supported values are: 'asc' and 'desc'."],
    ['after=msg_elsewhere', 'after', null, "Invalid 'after': no input item with id 'msg_elsewhere' in response 'resp_h1_1'."],
  ])('%s → 400 naming %s', async (query, param, code, message) => {
    const { store, turn } = storeWithTurn()
    const response = listInputItems(store, turn.response.id, new URLSearchParams(query))
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual({ error: { message, type: 'invalid_request_error', param, code } })
  })

  test('an unknown response is a 404', async () => {
    expect(listInputItems(new ResponseStore(), 'resp_nope').status).toBe(404)
  })
})

describe('DELETE /v1/responses/{id}', () => {
  test('deletes, then the response and its items are gone', async () => {
    const { store, turn } = storeWithTurn()
    const response = deleteResponse(store, turn.response.id)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ id: turn.response.id, object: 'response', deleted: true })
    expect(retrieveResponse(store, turn.response.id).status).toBe(404)
    expect(store.item('fc_h1_4')).toBeUndefined()
    const again = deleteResponse(store, turn.response.id)
    expect(again.status).toBe(404)
    expect(await again.json()).toMatchObject({ error: { message: `Response with id '${turn.response.id}' not found.`, code: null } })
  })
})

describe('routeStoredResponses', () => {
  test('matches the three endpoints, with or without /v1, and nothing else', async () => {
    const { store, turn } = storeWithTurn()
    const at = (method: string, path: string) => routeStoredResponses(store, new Request(`http://127.0.0.1${path}`, { method }))
    expect(at('GET', `/v1/responses/${turn.response.id}`)!.status).toBe(200)
    expect(at('GET', `/responses/${turn.response.id}/input_items?limit=1`)!.status).toBe(200)
    // HEAD is GET without the body (the server drops it): a probe for whether the response exists.
    expect(at('HEAD', `/v1/responses/${turn.response.id}`)!.status).toBe(200)
    expect(at('HEAD', '/v1/responses/resp_nope')!.status).toBe(404)
    expect(at('POST', '/v1/responses')).toBeNull()
    expect(at('POST', `/v1/responses/${turn.response.id}`)).toBeNull()
    expect(at('GET', '/v1/models')).toBeNull()
    expect(at('GET', '/v1/responses/%E0%A4%A')!.status).toBe(400)
    expect(at('DELETE', `/v1/responses/${turn.response.id}`)!.status).toBe(200)
    expect(at('GET', `/v1/responses/${turn.response.id}`)!.status).toBe(404)
  })
})

describe('the openai SDK reads what the handlers serve', () => {
  const { store, turn } = storeWithTurn()
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: (req) => routeStoredResponses(store, req) ?? new Response('unexpected route', { status: 500 }) })
  afterAll(() => server.stop(true))
  const client = new OpenAI({ baseURL: `http://127.0.0.1:${server.port}/v1`, apiKey: 'sk-test-not-a-key', maxRetries: 0 })

  test('responses.retrieve, plain and streamed', async () => {
    const retrieved = await client.responses.retrieve(turn.response.id)
    expect(retrieved.id).toBe(turn.response.id)
    expect(retrieved.output_text).toBe('Here you go.')
    expect(retrieved.output.map((item) => item.type)).toEqual(['reasoning', 'message', 'function_call', 'custom_tool_call'])
    const stream = await client.responses.retrieve(turn.response.id, { stream: true })
    const types: string[] = []
    let text = ''
    for await (const event of stream) {
      types.push(event.type)
      if (event.type === 'response.output_text.delta') text += event.delta
    }
    expect(text).toBe('Here you go.')
    expect(types.at(-1)).toBe('response.completed')
  })

  test('responses.inputItems.list pages through everything with after=', async () => {
    const seen: string[] = []
    for await (const item of client.responses.inputItems.list(turn.response.id, { limit: 2, order: 'asc' })) seen.push(item.id)
    expect(seen).toEqual(LISTED_IDS)
  })

  test('responses.delete, then retrieve is a NotFoundError', async () => {
    await client.responses.delete(turn.response.id)
    const error = await client.responses.retrieve(turn.response.id).catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(OpenAI.NotFoundError)
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404)
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).message).toContain(`Response with id '${turn.response.id}' not found.`)
  })
})
