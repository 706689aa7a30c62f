import { describe, expect, test } from 'bun:test'
import type { ResponsesItem, ResponsesRequest } from '../../src/canonical/types.ts'
import { responsesErrorResponse } from '../../src/dialects/responses/errors.ts'
import { ShimError } from '../../src/errors.ts'
import { expandStoredContext } from '../../src/responses-store/expand.ts'
import { refuseUnsupportedStateFields } from '../../src/responses-store/refuse.ts'
import { ResponseStore } from '../../src/responses-store/store.ts'
import { prefixedIds, runTurn, user } from './_turns.ts'
import { shimErrorFrom } from '../support/errors.ts'

// Plain objects as parseResponsesRequest leaves them (it keeps unknown fields; message items carry `type`).
const request = (body: Record<string, unknown>): ResponsesRequest => ({ model: 'gpt-test', input: [], ...body }) as ResponsesRequest

async function renderedBody(error: ShimError): Promise<{ status: number; body: unknown }> {
  const response = responsesErrorResponse(error)
  return { status: response.status, body: await response.json() }
}

describe('previous_response_id', () => {
  test('context is the earlier input, then its output, then the new input; the id is removed', () => {
    const store = new ResponseStore()
    const first = runTurn(store, request({ instructions: 'Be terse.', input: [user('What is the weather in Paris?')] }), [
      { think: 'need the tool', encrypted: 'ENC-1' },
      { call: 'call_1', name: 'weather', args: '{"city":"Paris"}' },
    ], { ids: prefixedIds('t1') })
    // The Agents SDK in server-managed mode: only the new item, plus the previous id.
    const next = request({ previous_response_id: first.response.id, instructions: 'Answer in French.', input: [{ type: 'function_call_output', call_id: 'call_1', output: '18C' }] })
    const { request: sent, resolvedInput } = expandStoredContext(next, store)
    expect(sent.previous_response_id).toBeUndefined()
    expect('previous_response_id' in sent).toBe(false)
    expect(sent.input).toEqual(resolvedInput)
    expect(resolvedInput.map((item) => [item.type, (item as { id?: string }).id ?? (item as { call_id?: string }).call_id])).toEqual([
      ['message', undefined],
      ['reasoning', 'rs_t1_2'],
      ['function_call', 'fc_t1_3'],
      ['function_call_output', 'call_1'],
    ])
    expect((resolvedInput[1] as { encrypted_content?: string }).encrypted_content).toBe('ENC-1')
    // Only the new request's instructions apply; the earlier ones are not carried over.
    expect(sent.instructions).toBe('Answer in French.')
    expect(JSON.stringify(sent)).not.toContain('Be terse.')
  })

  test('a string input becomes a user message after the stored context', () => {
    const store = new ResponseStore()
    const first = runTurn(store, request({ input: 'Hi' }), [{ say: 'Hello!' }], { ids: prefixedIds('s1') })
    const { resolvedInput } = expandStoredContext(request({ previous_response_id: first.response.id, input: 'And again' }), store)
    expect(resolvedInput).toEqual([
      { type: 'message', role: 'user', content: 'Hi' },
      { type: 'message', id: 'msg_s1_2', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'Hello!', annotations: [] }] },
      { type: 'message', role: 'user', content: 'And again' },
    ])
  })

  test('an unknown id is the API\'s exact 400', async () => {
    const error = shimErrorFrom(() => expandStoredContext(request({ previous_response_id: 'resp_gone', input: 'x' }), new ResponseStore()))
    expect(await renderedBody(error)).toEqual({
      status: 400,
      body: { error: { message: "Previous response with id 'resp_gone' not found.", type: 'invalid_request_error', param: 'previous_response_id', code: 'previous_response_not_found' } },
    })
  })

  test('a response created with store:false cannot be continued', () => {
    const store = new ResponseStore()
    const first = runTurn(store, request({ store: false, input: 'Hi' }), [{ say: 'Hello!' }], { ids: prefixedIds('sf') })
    expect(store.get(first.response.id)).toBeUndefined()
    expect(shimErrorFrom(() => expandStoredContext(request({ previous_response_id: first.response.id, input: 'x' }), store)).details.code).toBe('previous_response_not_found')
  })

  test('a response the upstream made is left to the upstream, untouched', () => {
    const store = new ResponseStore()
    const original = request({ previous_response_id: 'resp_upstream', input: [{ type: 'item_reference', id: 'msg_upstream' }] })
    const { request: sent, resolvedInput } = expandStoredContext(original, store, { keepPreviousIdFor: (id) => id === 'resp_upstream' })
    expect(sent).toBe(original)
    expect(resolvedInput).toEqual([{ type: 'item_reference', id: 'msg_upstream' }])
  })

  test('a request without stored state is returned as is (the same object)', () => {
    const original = request({ input: 'plain' })
    const { request: sent, resolvedInput } = expandStoredContext(original, new ResponseStore())
    expect(sent).toBe(original)
    expect(resolvedInput).toEqual([{ type: 'message', role: 'user', content: 'plain' }])
  })
})

describe('item_reference', () => {
  test('rs_, msg_ and fc_ references become the stored items, encrypted_content kept', () => {
    const store = new ResponseStore()
    const first = runTurn(store, request({ input: [user('Weather in Oslo?')] }), [
      { think: 'calling the tool', encrypted: 'gAAAA-secret-blob' },
      { say: 'Let me check.' },
      { call: 'call_9', name: 'weather', args: '{"city":"Oslo"}' },
    ], { ids: prefixedIds('v1') })
    const [reasoning, message, call] = first.response.output
    expect([reasoning?.id, message?.id, call?.id]).toEqual(['rs_v1_2', 'msg_v1_3', 'fc_v1_4'])
    // The Vercel AI SDK: earlier user messages in full, earlier output items by reference.
    const next = request({
      input: [
        user('Weather in Oslo?'),
        { type: 'item_reference', id: 'rs_v1_2' },
        { type: 'item_reference', id: 'msg_v1_3' },
        { type: 'item_reference', id: 'fc_v1_4' },
        { type: 'function_call_output', call_id: 'call_9', output: '-3C' },
      ],
    })
    const { request: sent, resolvedInput } = expandStoredContext(next, store)
    expect(resolvedInput.slice(1, 4)).toEqual([reasoning!, message!, call!] as ResponsesItem[])
    expect(resolvedInput[1]).toMatchObject({ type: 'reasoning', encrypted_content: 'gAAAA-secret-blob', summary: [{ type: 'summary_text', text: 'calling the tool' }] })
    expect(resolvedInput[3]).toMatchObject({ type: 'function_call', call_id: 'call_9', name: 'weather', arguments: '{"city":"Oslo"}' })
    expect(sent.input).toEqual(resolvedInput)
    expect(JSON.stringify(sent)).not.toContain('item_reference')
  })

  test('an input item stored without an id can be referenced by the id it is listed under', () => {
    const store = new ResponseStore({ ids: prefixedIds('gen') })
    const first = runTurn(store, request({ input: 'remember me' }), [{ say: 'ok' }], { ids: prefixedIds('g1') })
    const listedId = store.get(first.response.id)!.input[0]!.id
    expect(listedId).toBe('msg_gen_1')
    const { resolvedInput } = expandStoredContext(request({ input: [{ type: 'item_reference', id: listedId }] }), store)
    expect(resolvedInput).toEqual([{ type: 'message', role: 'user', content: 'remember me' }])
  })

  test('an unknown reference is a 400 naming input[i].id', async () => {
    const error = shimErrorFrom(() => expandStoredContext(request({ input: [user('a'), user('b'), user('c'), { type: 'item_reference', id: 'msg_missing' }] }), new ResponseStore()))
    const { status, body } = await renderedBody(error)
    expect(status).toBe(400)
    expect(body).toMatchObject({ error: { message: "Item with id 'msg_missing' not found.", type: 'invalid_request_error', param: 'input[3].id' } })
  })

  test('a reference without an id is a 400 naming it', () => {
    const error = shimErrorFrom(() => expandStoredContext(request({ input: [{ type: 'item_reference' }] }), new ResponseStore()))
    expect([error.status, error.details.param]).toEqual([400, 'input[0].id'])
  })
})

describe('tool outputs need their calls', () => {
  test('an orphan function_call_output after expansion is a 400', async () => {
    const store = new ResponseStore()
    const first = runTurn(store, request({ input: 'hi' }), [{ say: 'hello' }], { ids: prefixedIds('o1') })
    const error = shimErrorFrom(() => expandStoredContext(request({ previous_response_id: first.response.id, input: [{ type: 'function_call_output', call_id: 'call_nowhere', output: 'x' }] }), store))
    const { status, body } = await renderedBody(error)
    expect(status).toBe(400)
    expect(body).toMatchObject({ error: { message: 'No tool call found for function call output with call_id call_nowhere.', type: 'invalid_request_error', param: 'input' } })
  })

  test('a custom_tool_call_output needs a custom_tool_call, not a function_call of the same call_id', () => {
    const store = new ResponseStore()
    const first = runTurn(store, request({ input: 'patch it' }), [{ call: 'call_p', name: 'apply_patch', args: '{}' }], { ids: prefixedIds('c1') })
    const orphan = () => expandStoredContext(request({ previous_response_id: first.response.id, input: [{ type: 'custom_tool_call_output', call_id: 'call_p', output: 'done' }] }), store)
    expect(shimErrorFrom(orphan).message).toBe('No tool call found for custom tool call output with call_id call_p.')
    const second = runTurn(store, request({ input: 'patch it' }), [{ custom: 'call_q', name: 'apply_patch', input: '*** Begin Patch' }], { ids: prefixedIds('c2') })
    const paired = expandStoredContext(request({ previous_response_id: second.response.id, input: [{ type: 'custom_tool_call_output', call_id: 'call_q', output: 'done' }] }), store)
    expect(paired.resolvedInput.map((item) => item.type)).toEqual(['message', 'custom_tool_call', 'custom_tool_call_output'])
  })

  test('a Codex history without stored state is not checked (compaction may have folded its calls away)', () => {
    const history = request({
      store: false,
      input: [user('continue'), { type: 'compaction', id: 'cmp_1', encrypted_content: 'opaque' }, { type: 'function_call_output', call_id: 'call_before_compaction', output: 'ok' }],
    })
    const { request: sent } = expandStoredContext(history, new ResponseStore())
    expect(sent).toBe(history)
  })
})

describe('refused state fields', () => {
  test('conversation is refused with a hint, on every route', () => {
    for (const translated of [true, false]) {
      const error = shimErrorFrom(() => refuseUnsupportedStateFields(request({ input: 'x', conversation: 'conv_123' }), { translated }))
      expect([error.status, error.details.param]).toEqual([400, 'conversation'])
      expect(error.message).toContain('previous_response_id')
    }
  })

  test('background:true is refused on translated routes only', () => {
    const background = request({ input: 'x', background: true })
    const error = shimErrorFrom(() => refuseUnsupportedStateFields(background, { translated: true }))
    expect([error.status, error.details.param]).toEqual([400, 'background'])
    expect(() => refuseUnsupportedStateFields(background, { translated: false })).not.toThrow()
    expect(() => refuseUnsupportedStateFields(request({ input: 'x', background: false, conversation: null }), { translated: true })).not.toThrow()
  })
})

describe('an item the context already holds, sent again', () => {
  test('by reference or whole, after previous_response_id: the API\'s 400, as it refuses the Vercel AI SDK\'s step replay', async () => {
    const store = new ResponseStore()
    const first = runTurn(store, request({ input: [user('Weather?')] }), [{ think: 'tool', encrypted: 'ENC' }, { call: 'call_1', name: 'weather', args: '{}' }], { ids: prefixedIds('d1') })
    const reasoningId = first.response.output[0]!.id as string
    const call = first.response.output[1]!
    for (const again of [{ type: 'item_reference', id: reasoningId }, call] as ResponsesItem[]) {
      const error = shimErrorFrom(() => expandStoredContext(request({ previous_response_id: first.response.id, input: [again, { type: 'function_call_output', call_id: 'call_1', output: 'sunny' }] }), store))
      expect(await renderedBody(error)).toEqual({
        status: 400,
        body: { error: { message: `Duplicate item found with id ${String((again as { id: string }).id)}. Remove duplicate items from your input and try again.`, type: 'invalid_request_error', param: 'input', code: 'bad_request' } },
      })
    }
  })

  test('a stored item without an id of its own, referenced by the id it was listed under: the same 400, not the turn twice', async () => {
    // Input items stored without ids get one (msg_…, listed by input_items); the check compared only
    // the items' own ids, so the earlier user message reached the model twice.
    const store = new ResponseStore({ ids: prefixedIds('gen') })
    const first = runTurn(store, request({ input: [{ type: 'message', role: 'user', content: 'Hi' }] }), [{ say: 'Hello!' }], { ids: prefixedIds('d4') })
    const listedId = store.get(first.response.id)!.input[0]!.id
    const error = shimErrorFrom(() => expandStoredContext(request({ previous_response_id: first.response.id, input: [{ type: 'item_reference', id: listedId }, user('Again')] }), store))
    expect(await renderedBody(error)).toEqual({
      status: 400,
      body: { error: { message: `Duplicate item found with id ${listedId}. Remove duplicate items from your input and try again.`, type: 'invalid_request_error', param: 'input', code: 'bad_request' } },
    })
  })

  test('items without ids, and a reference to an item not in the earlier context, are fine', () => {
    const store = new ResponseStore()
    const first = runTurn(store, request({ input: [user('Hi')] }), [{ say: 'Hello!' }], { ids: prefixedIds('d2') })
    const other = runTurn(store, request({ input: [user('Elsewhere')] }), [{ say: 'There.' }], { ids: prefixedIds('d3') })
    const { resolvedInput } = expandStoredContext(request({ previous_response_id: first.response.id, input: [user('Hi'), { type: 'item_reference', id: other.response.output[0]!.id as string }] }), store)
    expect(resolvedInput).toHaveLength(4)
  })
})
