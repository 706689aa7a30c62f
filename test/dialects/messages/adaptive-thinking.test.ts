/**
 * Claude Opus 4.7 and later take adaptive thinking only: `thinking.type: "enabled"` with a budget,
 * and sampling overrides, are a 400 there ("thinking.type.enabled is not supported for this model.
 * Use thinking.type.adaptive and output_config.effort"). Codex sends an effort on every turn, so
 * every turn failed. The fake upstream holds the rule (its comments cite the docs).
 */
import { describe, expect, test } from 'bun:test'
import { ask, translateFor } from '../../support/anthropic-translate.ts'

describe('adaptive-only Claude models', () => {
  test('claude-opus-4-7 with a Codex effort gets adaptive thinking and output_config.effort, never a budget', () => {
    const { body, refusal } = translateFor(ask({ reasoning: { effort: 'medium' } }), 'claude-opus-4-7')
    expect(refusal).toBeNull()
    expect(body.thinking).toEqual({ type: 'adaptive' })
    expect(body.output_config).toEqual({ effort: 'medium' })
  })

  test('efforts map onto Anthropic\'s: minimal is low; xhigh and max stay', () => {
    const effort = (value: string) => translateFor(ask({ reasoning: { effort: value as never } }), 'claude-opus-4-7').body.output_config?.effort
    expect(effort('minimal')).toBe('low')
    expect(effort('xhigh')).toBe('xhigh')
    expect(effort('max')).toBe('max')
  })

  test('a tool loop on claude-opus-4-7 validates (adaptive thinking needs no interleaved-thinking beta)', () => {
    const request = ask({ reasoning: { effort: 'high' }, tools: [{ type: 'function', name: 'ls', parameters: { type: 'object', properties: {} } }] })
    const { refusal, betas } = translateFor(request, 'claude-opus-4-7')
    expect(refusal).toBeNull()
    expect(betas).not.toContain('interleaved-thinking-2025-05-14')
  })

  test('claude-opus-4-7 without thinking: temperature and top_p are not sent', () => {
    const { body, refusal } = translateFor(ask({ reasoning: { effort: 'none' } as never, temperature: 0.2, top_p: 0.9 }), 'claude-opus-4-7')
    expect(refusal).toBeNull()
    expect(body.temperature).toBeUndefined()
    expect(body.top_p).toBeUndefined()
  })

  test('effort none: no thinking field at all (these models refuse "disabled" too)', () => {
    const { body, refusal } = translateFor(ask({ reasoning: { effort: 'none' } as never }), 'claude-opus-4-7')
    expect(refusal).toBeNull()
    expect(body.thinking).toBeUndefined()
    expect(body.output_config).toBeUndefined()
  })

  test('earlier models keep the budget form', () => {
    for (const model of ['claude-sonnet-4-5', 'claude-opus-4-6', 'claude-sonnet-4-20250514']) {
      const { body, refusal } = translateFor(ask({ reasoning: { effort: 'medium' } }), model)
      expect(refusal).toBeNull()
      expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 10000 })
    }
  })
})
