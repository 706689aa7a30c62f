import { describe, expect, test } from 'bun:test'
import { isResponsesEventType, type ResponseObject } from '../../src/canonical/types.ts'
import { replayResponseEvents } from '../../src/dialects/responses/replay.ts'

const stored = (output: ResponseObject['output']): ResponseObject => ({ id: 'resp_r', object: 'response', created_at: 1, status: 'completed', model: 'm', output })

describe('replayResponseEvents', () => {
  test('a refusal part replays as refusal events, text as output_text, in order with gap-free sequence numbers', () => {
    const message = { type: 'message' as const, id: 'msg_1', role: 'assistant' as const, content: [{ type: 'output_text' as const, text: 'Hello', annotations: [] }, { type: 'refusal' as const, refusal: 'not that' }] }
    const events = replayResponseEvents(stored([message]))
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index))
    expect(events.every((event) => isResponsesEventType(event.type))).toBe(true)
    expect(events.map((event) => event.type)).toEqual([
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.content_part.added',
      'response.refusal.delta',
      'response.refusal.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ])
    const refusalDone = events[9]!
    expect(refusalDone).toMatchObject({ type: 'response.refusal.done', item_id: 'msg_1', output_index: 0, content_index: 1, refusal: 'not that' })
    expect(events[10]).toMatchObject({ type: 'response.content_part.done', content_index: 1, part: { type: 'refusal', refusal: 'not that' } })
    expect(events[6]).toMatchObject({ type: 'response.content_part.done', content_index: 0, part: { type: 'output_text', text: 'Hello' } })
  })

  test('a part of another kind in a stored message replays as output_text, the only text part an answer streams', () => {
    const message = { type: 'message' as const, id: 'msg_2', role: 'assistant' as const, content: [{ type: 'input_text' as const, text: 'echo' }] }
    const events = replayResponseEvents(stored([message]))
    const parts = events.filter((event) => event.type === 'response.content_part.added' || event.type === 'response.content_part.done')
    expect(parts.map((event) => (event as { part: { type: string } }).part.type)).toEqual(['output_text', 'output_text'])
    expect(events.find((event) => event.type === 'response.output_text.delta')).toMatchObject({ delta: 'echo' })
  })
})
