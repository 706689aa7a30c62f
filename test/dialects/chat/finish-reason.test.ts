import { expect, test } from 'bun:test'
import { CHAT_FINISH_REASONS, mapFinishReason } from '../../../src/dialects/chat/finish-reason.ts'

test.each([
  ['stop', { status: 'completed' }],
  ['tool_calls', { status: 'completed' }],
  ['function_call', { status: 'completed' }],
  ['eos', { status: 'completed' }],
  ['eos_token', { status: 'completed' }],
  ['stop_sequence', { status: 'completed' }],
  ['sensitive', { status: 'incomplete', reason: 'content_filter' }],
  ['network_error', { status: 'failed', code: 'server_error' }],
  ['length', { status: 'incomplete', reason: 'max_output_tokens' }],
  ['model_length', { status: 'incomplete', reason: 'max_output_tokens' }],
  ['content_filter', { status: 'incomplete', reason: 'content_filter' }],
  ['insufficient_system_resource', { status: 'failed', code: 'server_error' }],
  ['error', { status: 'failed', code: 'server_error' }],
  ['abort', { status: 'failed', code: 'server_error' }],
  [null, { status: 'completed' }],
  [undefined, { status: 'completed' }],
  // Not known: a server's own word for a normal end (anything else would end a finished turn as cut off).
  ['overloaded', { status: 'completed' }],
  // Inherited object keys are not table rows.
  ['toString', { status: 'completed' }],
] as const)('%p → %o', (reason, outcome) => {
  expect(mapFinishReason(reason)).toMatchObject(outcome)
})

test('every failed row says why, for the message Codex shows while it retries', () => {
  for (const outcome of Object.values(CHAT_FINISH_REASONS)) if (outcome.status === 'failed') expect(outcome.why.length).toBeGreaterThan(10)
})

test('a finish_reason that is no string is treated as unknown, not thrown on', () => {
  expect(mapFinishReason(7 as never)).toEqual({ status: 'completed' })
})
