/**
 * Claude Opus 4.1 and the 4.5 models on refuse `temperature` and `top_p` in one request ("temperature
 * and top_p cannot both be specified for this model"); the OpenAI SDKs and Cursor may send both.
 */
import { expect, test } from 'bun:test'
import { ask, translateFor } from '../../support/anthropic-translate.ts'

test('temperature and top_p together: only temperature goes to Claude (4.5 refuses both)', () => {
  const { body, refusal } = translateFor(ask({ reasoning: { effort: 'none' } as never, temperature: 0.2, top_p: 0.9 }), 'claude-sonnet-4-5')
  expect(refusal).toBeNull()
  expect(body.temperature).toBe(0.2)
  expect(body.top_p).toBeUndefined()
  // Alone, top_p still goes.
  expect(translateFor(ask({ reasoning: { effort: 'none' } as never, top_p: 0.9 }), 'claude-sonnet-4-5').body.top_p).toBe(0.9)
})
