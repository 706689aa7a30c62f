import { describe, expect, test } from 'bun:test'
import { aggregateEvents } from '../../src/canonical/aggregate.ts'
import { ResponseBuilder, counterIds } from '../../src/canonical/builder.ts'
import { streamOf } from '../../src/canonical/decode.ts'
import {
  isRelayedEvent,
  isResponsesEventType,
  isTerminalEvent,
  RELAYED_EVENT_TYPES,
  type CanonicalEvent,
  type EventDraft,
  type ResponseObject,
  type ResponsesEvent,
} from '../../src/canonical/types.ts'

// Compile-time half: `tsc --noEmit -p .` checks this file. Were the union open again (a
// `{ type: string }` member), each directive below would be unused, and that is a tsc error.

// @ts-expect-error an event type the Responses API does not have
const invented: ResponsesEvent = { type: 'response.invented.delta', sequence_number: 0, delta: 'x' }
// @ts-expect-error the stream `error` event is upstream housekeeping, read by the Responses decoder only
const upstreamError: ResponsesEvent = { type: 'error', sequence_number: 0, message: 'boom' }
// @ts-expect-error nor is the ChatGPT backend's heartbeat
const keepalive: ResponsesEvent = { type: 'keepalive', sequence_number: 0 }
// @ts-expect-error builders may only write canonical events
const draft: EventDraft = { type: 'response.web_search_call.searching', item_id: 'ws_1', output_index: 0 }
// @ts-expect-error a known type keeps its fields: a text delta needs its delta
const missingField: ResponsesEvent = { type: 'response.output_text.delta', sequence_number: 0, item_id: 'm', output_index: 0, content_index: 0, logprobs: [] }

/** A switch over every canonical type: the `never` default compiles only while it lists them all. */
function family(event: CanonicalEvent): 'lifecycle' | 'item' | 'text' | 'reasoning' | 'call' {
  switch (event.type) {
    case 'response.created':
    case 'response.in_progress':
    case 'response.completed':
    case 'response.incomplete':
    case 'response.failed':
      return 'lifecycle'
    case 'response.output_item.added':
    case 'response.output_item.done':
    case 'response.content_part.added':
    case 'response.content_part.done':
      return 'item'
    case 'response.output_text.delta':
    case 'response.output_text.done':
    case 'response.output_text.annotation.added':
    case 'response.refusal.delta':
    case 'response.refusal.done':
      return 'text'
    case 'response.reasoning_summary_part.added':
    case 'response.reasoning_summary_part.done':
    case 'response.reasoning_summary_text.delta':
    case 'response.reasoning_summary_text.done':
    case 'response.reasoning_text.delta':
    case 'response.reasoning_text.done':
      return 'reasoning'
    case 'response.function_call_arguments.delta':
    case 'response.function_call_arguments.done':
    case 'response.custom_tool_call_input.delta':
    case 'response.custom_tool_call_input.done':
      return 'call'
    default: {
      const unhandled: never = event
      return unhandled
    }
  }
}

const response = (status: ResponseObject['status']): ResponseObject => ({ id: 'resp_1', object: 'response', created_at: 1, status, model: 'm', output: [] })

describe('the closed event union', () => {
  test('the directives above are live: the refused values really are the shapes they claim', () => {
    expect([invented, upstreamError, keepalive, draft, missingField].map((event): string => event.type)).toEqual([
      'response.invented.delta',
      'error',
      'keepalive',
      'response.web_search_call.searching',
      'response.output_text.delta',
    ])
  })

  test('at run time the union admits its own types and nothing else', () => {
    for (const type of RELAYED_EVENT_TYPES) expect(isResponsesEventType(type)).toBe(true)
    for (const type of ['response.created', 'response.output_text.delta', 'response.refusal.done', 'response.reasoning_text.delta', 'response.custom_tool_call_input.done', 'response.failed']) expect(isResponsesEventType(type)).toBe(true)
    for (const type of ['error', 'keepalive', 'codex.rate_limits', 'response.invented.delta', 'toString', '__proto__', '']) expect(isResponsesEventType(type)).toBe(false)
  })

  test('relayed and terminal guards split the union', () => {
    const searching: ResponsesEvent = { type: 'response.web_search_call.searching', sequence_number: 3, item_id: 'ws_1', output_index: 0 }
    const completed: ResponsesEvent = { type: 'response.completed', sequence_number: 4, response: response('completed') }
    expect(isRelayedEvent(searching)).toBe(true)
    expect(isRelayedEvent(completed)).toBe(false)
    expect(isTerminalEvent(completed)).toBe(true)
    expect(isTerminalEvent(searching)).toBe(false)
  })

  test('everything the builder emits is canonical, never relayed', () => {
    const events: ResponsesEvent[] = []
    const builder = new ResponseBuilder((event) => events.push(event), { model: 'm', ids: counterIds(), now: () => 0 })
    const reasoning = builder.openReasoning()
    builder.reasoningDelta(reasoning, 'think')
    const message = builder.openMessage()
    builder.messageDelta(message, 'hi')
    const call = builder.openFunctionCall({ callId: 'c1', name: 'f' })
    builder.argumentsDelta(call, '{}')
    const patch = builder.openCustomToolCall({ callId: 'c2', name: 'apply_patch' })
    builder.customInputDelta(patch, '*** Begin Patch')
    builder.complete()
    expect(events.length).toBeGreaterThan(10)
    for (const event of events) {
      expect(isResponsesEventType(event.type)).toBe(true)
      expect(isRelayedEvent(event)).toBe(false)
    }
    const canonical = events.filter((event): event is CanonicalEvent => !isRelayedEvent(event))
    expect(new Set(canonical.map(family))).toEqual(new Set(['lifecycle', 'item', 'text', 'reasoning', 'call'] as const))
  })

  test('the aggregator passes over relayed events and keeps the committed items', async () => {
    const item = { type: 'web_search_call', id: 'ws_1', status: 'completed', action: { type: 'search', query: 'bun' } }
    const events: ResponsesEvent[] = [
      { type: 'response.created', sequence_number: 0, response: response('in_progress') },
      { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { ...item, status: 'in_progress' } },
      { type: 'response.web_search_call.in_progress', sequence_number: 2, item_id: 'ws_1', output_index: 0 },
      { type: 'response.web_search_call.completed', sequence_number: 3, item_id: 'ws_1', output_index: 0 },
      { type: 'response.output_item.done', sequence_number: 4, output_index: 0, item },
      { type: 'response.completed', sequence_number: 5, response: response('completed') },
    ]
    const aggregated = await aggregateEvents(streamOf(events))
    expect(aggregated.terminal).toBe('response.completed')
    expect(aggregated.response.output).toEqual([item])
  })
})
