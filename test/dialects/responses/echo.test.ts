import { describe, expect, test } from 'bun:test'
import type { ResponseObject, ResponsesEvent, ResponsesRequest } from '../../../src/canonical/types.ts'
import { echoEvent, echoRequest } from '../../../src/dialects/responses/echo.ts'

const request = (body: Partial<ResponsesRequest> = {}): ResponsesRequest => ({ model: 'gpt-test', input: 'hi', ...body })
const built = (extra: Partial<ResponseObject> = {}): ResponseObject => ({ id: 'resp_1', object: 'response', created_at: 1, status: 'completed', model: 'gpt-test', output: [], usage: null, error: null, incomplete_details: null, ...extra })

describe('echoRequest', () => {
  test('what the client did not send reads as the API reports "not set"', () => {
    expect(echoRequest(built(), request())).toEqual({
      ...built(),
      instructions: null,
      previous_response_id: null,
      store: true,
      metadata: {},
      tool_choice: 'auto',
      parallel_tool_calls: true,
      temperature: null,
      top_p: null,
      max_output_tokens: null,
    })
  })

  test('what the client sent is echoed, tools excepted', () => {
    const sent = request({
      instructions: 'Be brief.',
      previous_response_id: 'resp_0',
      store: false,
      metadata: { run: 'a' },
      tool_choice: 'required',
      parallel_tool_calls: false,
      temperature: 0.2,
      top_p: 0.9,
      max_output_tokens: 300,
      text: { format: { type: 'text' }, verbosity: 'low' },
      reasoning: { effort: 'low', summary: 'auto' },
      user: 'u-1',
      truncation: 'auto',
      service_tier: 'flex',
      tools: [{ type: 'function', name: 'exec_command', parameters: { type: 'object' } }],
    })
    const echoed = echoRequest(built(), sent)
    const { model: _model, input: _input, tools: _tools, ...configuration } = sent
    expect(echoed).toEqual({ ...built(), ...configuration })
    expect(echoed).not.toHaveProperty('tools')
  })

  test('an upstream\'s own values are kept; the state fields the shim answers for come from the request', () => {
    const upstream = built({ temperature: 1, top_p: null, metadata: { from: 'upstream' }, reasoning: { effort: 'medium' }, instructions: 'hoisted by the shim', store: false, previous_response_id: null })
    const echoed = echoRequest(upstream, request({ temperature: 0.2, top_p: 0.5, metadata: { run: 'a' }, reasoning: { effort: 'high' }, previous_response_id: 'resp_0' }))
    expect(echoed).toMatchObject({ temperature: 1, top_p: null, metadata: { from: 'upstream' }, reasoning: { effort: 'medium' }, instructions: null, store: true, previous_response_id: 'resp_0' })
  })

  test('the response passed in is left as it was', () => {
    const response = built()
    expect(echoRequest(response, request({ metadata: { run: 'a' } }))).not.toBe(response)
    expect(response).toEqual(built())
  })
})

describe('echoEvent', () => {
  test('lifecycle and terminal events carry the echo', () => {
    for (const type of ['response.created', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed'] as const) {
      const response = built()
      const event: ResponsesEvent = { type, sequence_number: 0, response }
      expect(echoEvent(event, request({ metadata: { run: 'a' } }))).toEqual({ type, sequence_number: 0, response: { ...echoRequest(built(), request()), metadata: { run: 'a' } } })
      expect(response).toEqual(built())
    }
  })

  test('every other event is returned as it came: the same object', () => {
    const others: ResponsesEvent[] = [
      { type: 'response.output_text.delta', sequence_number: 3, item_id: 'msg_1', output_index: 0, content_index: 0, delta: 'x', logprobs: [] },
      { type: 'response.output_item.done', sequence_number: 4, output_index: 0, item: { type: 'message', role: 'assistant', content: [] } },
      { type: 'response.web_search_call.searching', sequence_number: 5, item_id: 'ws_1', output_index: 1 },
    ]
    for (const event of others) expect(echoEvent(event, request({ metadata: { run: 'a' } }))).toBe(event)
  })
})
