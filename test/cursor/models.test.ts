import { describe, expect, test } from 'bun:test'
import { cursorSlug, parseCursorModels, requireCursorModel, resolveCursorSlug } from '../../src/cursor/models.ts'
import { ShimError } from '../../src/errors.ts'

// The listing's shape, as printed by 2026.07 builds (spec integrations §1.4).
const LISTING = `\u001b[1mAvailable models\u001b[0m

auto - Auto  (current, default)
composer-2.5 - Composer 2.5
composer-2.5-fast - Composer 2.5 Fast
gpt-5.5-high - GPT-5.5 High (NO ZDR)
grok-4.5-medium - Cursor Grok 4.5 Low
claude-opus-4-8-thinking-high - Claude Opus 4.8 Thinking High

Tip: use --model <id> (or /model <id> in interactive mode) to switch.
`

describe('cursor models', () => {
  test('the listing: header and Tip line are not models; labels come from the listing; marks are flags', () => {
    expect(parseCursorModels(LISTING)).toEqual([
      { id: 'auto', name: 'Auto', current: true, default: true },
      { id: 'composer-2.5', name: 'Composer 2.5' },
      { id: 'composer-2.5-fast', name: 'Composer 2.5 Fast' },
      { id: 'gpt-5.5-high', name: 'GPT-5.5 High', noZdr: true },
      { id: 'grok-4.5-medium', name: 'Cursor Grok 4.5 Low' },
      { id: 'claude-opus-4-8-thinking-high', name: 'Claude Opus 4.8 Thinking High' },
    ])
  })

  test('an account without models lists none', () => {
    expect(parseCursorModels('No models available for this account.\n')).toEqual([])
  })

  test('slugs are cursor-<id>; composer-2-5 and composer-2.5 name Composer 2.5', () => {
    const models = parseCursorModels(LISTING)
    expect(models.map((model) => cursorSlug(model))).toContain('cursor-composer-2.5')
    expect(resolveCursorSlug('cursor-gpt-5.5-high', models)?.name).toBe('GPT-5.5 High')
    expect(resolveCursorSlug('composer-2-5', models)?.id).toBe('composer-2.5')
    expect(resolveCursorSlug('composer-2.5', models)?.id).toBe('composer-2.5')
    expect(resolveCursorSlug('cursor-nope', models)).toBeNull()
    expect(resolveCursorSlug('gpt-5.5-high', models)).toBeNull()
    expect(resolveCursorSlug('composer-2-5', [])).toBeNull()
  })

  test('requireCursorModel: unknown → 400 naming the model and the available slugs; no models → the login hint', () => {
    const models = parseCursorModels(LISTING)
    expect(requireCursorModel('cursor-auto', models).id).toBe('auto')
    expect(requireCursorModel('composer-2.5-fast', models).id).toBe('composer-2.5-fast')
    const unknown = (() => {
      try {
        requireCursorModel('cursor-gpt-9', models)
      } catch (error) {
        return error as ShimError
      }
    })()!
    expect(unknown.kind).toBe('bad_request')
    expect(unknown.status).toBe(400)
    expect(unknown.message).toContain('"cursor-gpt-9"')
    expect(unknown.message).toContain('cursor-composer-2.5')
    expect(() => requireCursorModel('cursor-auto', [])).toThrow(/cursor-agent login/)
  })

})
