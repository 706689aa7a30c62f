import { describe, expect, test } from 'bun:test'
import type { ResponseObject, ResponsesRequest } from '../../src/canonical/types.ts'
import { recordFromEvents } from '../../src/responses-store/recorder.ts'
import { ResponseStore } from '../../src/responses-store/store.ts'
import { prefixedIds, runTurn, user } from './_turns.ts'

const request = (body: Record<string, unknown>): ResponsesRequest => ({ model: 'gpt-test', input: [], ...body }) as ResponsesRequest

describe('recordFromEvents', () => {
  test('records at response.completed with the output the builder put in the terminal event', () => {
    const store = new ResponseStore()
    const turn = runTurn(store, request({ instructions: 'Be brief.', metadata: { run: '7' }, temperature: 0.2, input: [user('hi')] }), [{ think: 'hm', encrypted: 'E' }, { say: 'Hello!' }], { ids: prefixedIds('r1') })
    const stored = store.get(turn.response.id)!
    expect(stored.response.output).toEqual(turn.response.output)
    expect(stored.response.output.map((item) => item.type)).toEqual(['reasoning', 'message'])
    expect(stored.response).toMatchObject({ id: 'resp_r1_1', object: 'response', status: 'completed', model: 'gpt-test', instructions: 'Be brief.', previous_response_id: null, store: true, metadata: { run: '7' }, temperature: 0.2, usage: { total_tokens: 15 } })
    expect(stored.input.map((entry) => entry.item)).toEqual([user('hi')])
  })

  test('an incomplete response is kept (it can be continued); a failed one is not', () => {
    const store = new ResponseStore()
    const cut = runTurn(store, request({ input: 'long answer please' }), [{ say: 'Once upon' }], { ids: prefixedIds('i1'), end: 'incomplete' })
    expect(store.get(cut.response.id)?.response).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } })
    const failed = runTurn(store, request({ input: 'x' }), [{ say: 'partial' }], { ids: prefixedIds('f1'), end: 'fail' })
    expect(failed.response.status).toBe('failed')
    expect(store.get(failed.response.id)).toBeUndefined()
  })

  test('store:false records nothing', () => {
    const store = new ResponseStore()
    runTurn(store, request({ store: false, input: 'x' }), [{ say: 'y' }], { ids: prefixedIds('n1') })
    expect(store.stats().entries).toBe(0)
  })

  test('the client\'s model name is kept, and the event the client gets stays its own (not frozen)', () => {
    const store = new ResponseStore()
    const response: ResponseObject = { id: 'resp_m', object: 'response', created_at: 1, status: 'completed', model: 'upstream-model-v2', output: [{ type: 'message', id: 'msg_m', role: 'assistant', content: [{ type: 'output_text', text: 'ok' }] }] }
    const event = { type: 'response.completed' as const, sequence_number: 3, response }
    recordFromEvents(store, [user('q')], request({ input: [user('q')] }), { model: 'my-alias' })(event)
    expect(store.get('resp_m')!.response.model).toBe('my-alias')
    expect(Object.isFrozen(response)).toBe(false)
    expect(Object.isFrozen(response.output[0])).toBe(false)
    response.model = 'rewritten for the client' // the encoder may still do this
    expect(store.get('resp_m')!.response.model).toBe('my-alias')
  })

  test('records once, and ignores everything before the terminal event', () => {
    const store = new ResponseStore()
    const seen: string[] = []
    const original = store.record.bind(store)
    store.record = (entry) => {
      seen.push(entry.response.id)
      return original(entry)
    }
    const record = recordFromEvents(store, [], request({ input: [] }))
    const response: ResponseObject = { id: 'resp_once', object: 'response', created_at: 1, status: 'completed', model: 'm', output: [] }
    record({ type: 'response.created', sequence_number: 0, response: { ...response, status: 'in_progress' } })
    record({ type: 'response.output_text.delta', sequence_number: 1, item_id: 'msg', output_index: 0, content_index: 0, delta: 'x', logprobs: [] })
    expect(seen).toEqual([])
    record({ type: 'response.completed', sequence_number: 2, response })
    record({ type: 'response.completed', sequence_number: 3, response })
    expect(seen).toEqual(['resp_once'])
  })
})
