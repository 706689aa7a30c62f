/**
 * Anthropic refuses a message, or a system prompt, whose text is all whitespace ("text content
 * blocks must contain non-whitespace text"): a user's "\n", an assistant's "\n\n" alone, blank
 * instructions. Such text says nothing, so it is left out rather than failing the whole request.
 */
import { describe, expect, test } from 'bun:test'
import type { ResponsesRequest } from '../../../src/canonical/types.ts'
import { ask, translateFor } from '../../support/anthropic-translate.ts'

const conversation = (assistant: string, lastUser: string): ResponsesRequest => ({
  model: 'x',
  input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'first' }] },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: assistant }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: lastUser }] },
  ],
})

describe('all-whitespace text', () => {
  test('a user message of whitespace only is not sent as a blank block', () => {
    expect(translateFor(conversation('ok', '\n'), 'claude-sonnet-4-5').refusal).toBeNull()
  })

  test('an assistant message of whitespace only between user turns is left out', () => {
    expect(translateFor(conversation('\n\n', 'again'), 'claude-sonnet-4-5').refusal).toBeNull()
  })

  test('whitespace-only instructions are not a system block', () => {
    expect(translateFor(ask({ instructions: '  \n' }), 'claude-sonnet-4-5').refusal).toBeNull()
  })
})
