import { expect, test } from 'bun:test'
import { fromMessagesToolId, toMessagesToolId } from '../../../src/dialects/messages/tool-id.ts'

const ANTHROPIC_ID = /^[a-zA-Z0-9_-]+$/

test.each([
  ['toolu_01A09q90qw90lq917835lq9', true],
  ['call_abc-123', true],
  ['functions.get_weather:0', false], // Kimi K2
  ['call 1', false],
  ['ünïcode/🙂', false],
  ['shim64_Zm9v', false], // valid, but looks like ours: encoded too, so reading it back is unambiguous
  ['', false],
])('%s: Anthropic takes the mapped id, and it reads back as it was', (id, unchanged) => {
  const mapped = toMessagesToolId(id)
  expect(mapped).toMatch(ANTHROPIC_ID)
  expect(mapped === id).toBe(unchanged)
  expect(toMessagesToolId(id)).toBe(mapped) // deterministic: a tool_use and its tool_result stay paired
  expect(fromMessagesToolId(mapped)).toBe(id)
})

test('an id that only looks like ours (a client\'s own, a corrupted one) is left as it is', () => {
  for (const id of ['shim64_!!', 'shim64_Zm9v', 'shim64_Zm9vx', 'shim64_gA']) expect(fromMessagesToolId(id)).toBe(id)
})
