import { describe, expect, test } from 'bun:test'
import { mapChatUsage } from '../../../src/dialects/chat/usage.ts'
import { normaliseUsage } from '../../../src/usage/row.ts'

describe('output tokens an upstream counts in total_tokens but not in completion_tokens', () => {
  // Google's OpenAI-compatible endpoint leaves Gemini's thinking out of completion_tokens but counts
  // it in total_tokens, and reports no reasoning_tokens (a streamed answer of 3 visible tokens:
  // prompt 9, completion 3, total 105; discuss.ai.google.dev/t/…-is-not-compliant-with-api-specs/127400).
  const gemini = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 105 }

  test('translated routes: the thinking is output, and reasoning', () => {
    expect(mapChatUsage(gemini)).toEqual({ input_tokens: 9, input_tokens_details: { cached_tokens: 0 }, output_tokens: 96, output_tokens_details: { reasoning_tokens: 93 }, total_tokens: 105 })
  })

  test('the ledger reads it the same way on the chat fast path', () => {
    expect(normaliseUsage(gemini, 'chat')).toMatchObject({ input_tokens: 9, output_tokens: 96, reasoning_tokens: 93 })
  })

  test('reasoning reported beside completion_tokens (xAI counts it apart) is added to the output once', () => {
    expect(mapChatUsage({ prompt_tokens: 10, completion_tokens: 5, total_tokens: 65, completion_tokens_details: { reasoning_tokens: 60 } })).toMatchObject({ output_tokens: 65 - 10, output_tokens_details: { reasoning_tokens: 60 } })
  })

  test('OpenAI\'s usage, whose completion_tokens include the reasoning, is unchanged', () => {
    expect(mapChatUsage({ prompt_tokens: 10, completion_tokens: 50, total_tokens: 60, completion_tokens_details: { reasoning_tokens: 40 } })).toMatchObject({ output_tokens: 50, output_tokens_details: { reasoning_tokens: 40 }, total_tokens: 60 })
    expect(mapChatUsage({ prompt_tokens: 10, completion_tokens: 5 })).toMatchObject({ output_tokens: 5, total_tokens: 15 })
  })
})
