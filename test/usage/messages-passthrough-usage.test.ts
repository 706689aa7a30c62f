import { expect, test } from 'bun:test'
import { MESSAGES_PASSTHROUGH } from '../../src/dialects/messages/from-events.ts'
import { normaliseUsage } from '../../src/usage/row.ts'
import type { MessagesUsage } from '../../src/dialects/messages/api.ts'

// Anthropic's message_delta usage may carry its input fields as null (the SDK types them
// `number | null`); the translated route drops the nulls (messages/stream.ts), the fast path kept
// them, and message_start's input and cache-read counts were lost from the ledger.
test('Messages fast path: a message_delta with null input fields keeps message_start\'s counts', () => {
  const start = { type: 'message_start', message: { usage: { input_tokens: 12, cache_read_input_tokens: 4096, cache_creation_input_tokens: 256, output_tokens: 1 } } }
  const delta = { type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { input_tokens: null, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 87 } }
  const merged = MESSAGES_PASSTHROUGH.usage(delta, MESSAGES_PASSTHROUGH.usage(start, undefined)) as MessagesUsage
  expect(normaliseUsage(merged, 'messages')).toEqual({ input_tokens: 12 + 4096 + 256, cached_input_tokens: 4096, cache_write_tokens: 256, output_tokens: 87, reasoning_tokens: null })
})
