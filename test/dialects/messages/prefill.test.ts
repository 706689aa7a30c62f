/**
 * A history that ends on the assistant without thinking (Codex retrying a cut stream; a Chat
 * client's last assistant message) is a prefill. Claude 4.6 and later refuse any ("This model
 * does not support assistant message prefill"); earlier models refuse one ending in whitespace
 * ("final assistant content cannot end with trailing whitespace"), as a cut answer often does.
 */
import { describe, expect, test } from 'bun:test'
import type { ResponsesRequest } from '../../../src/canonical/types.ts'
import { translateFor } from '../../support/anthropic-translate.ts'

const cut = (text: string): ResponsesRequest => ({
  model: 'x',
  reasoning: { effort: 'none' } as never,
  input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] },
  ],
})

describe('a history that ends on the assistant without thinking', () => {
  test('Claude 4.6 and later: a user turn asks it to continue', () => {
    for (const model of ['claude-sonnet-4-6', 'claude-opus-4-6', 'claude-opus-4-7']) {
      const { body, refusal } = translateFor(cut('Some text first.'), model)
      expect(refusal).toBeNull()
      expect(body.messages.at(-1)!.role).toBe('user')
    }
  })

  test('earlier models: the prefill goes without its trailing whitespace', () => {
    const { body, refusal } = translateFor(cut('Some text first.\n\n'), 'claude-sonnet-4-5')
    expect(refusal).toBeNull()
    expect(body.messages.at(-1)).toEqual({ role: 'assistant', content: [{ type: 'text', text: 'Some text first.' }] })
  })
})
