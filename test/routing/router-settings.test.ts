import { describe, expect, test } from 'bun:test'
import { checkRouterSettings, parseRouterSettings, routerEnabled } from '../../src/routing/router-settings.ts'

const known = ['cheap-model', 'strong-model', 'team-fast']
// The original project's example, as its users' files have it.
const ORIGINAL = {
  enabled: true, slug: 'codex-auto', display_name: 'Auto (smart routing)', classifier: 'cheap-model', threshold: 0.7, default: 'cheap-model', cache: true,
  candidates: [
    { slug: 'cheap-model', cost: 0.3, supports_images: false, card: 'Fast. Single-file edits, small fixes.' },
    { slug: 'strong-model', cost: 5.0, supports_images: true, card: 'Frontier. Multi-file refactors, hard debugging.' },
  ],
}

describe('router settings', () => {
  test('the original project\'s section loads unchanged', () => {
    const { router, issues } = parseRouterSettings(ORIGINAL, known)
    expect(issues).toEqual([])
    expect(router).toEqual(ORIGINAL)
  })

  test('defaults fill what is left out; no section is no router', () => {
    const { router } = parseRouterSettings({ classifier: 'cheap-model', default: 'cheap-model', candidates: [{ slug: 'cheap-model', cost: 1 }] }, known)
    expect(router).toMatchObject({ enabled: true, slug: 'codex-auto', display_name: 'Auto (smart routing)', threshold: 0.7, cache: true, candidates: [{ slug: 'cheap-model', cost: 1, supports_images: false, card: '' }] })
    expect(parseRouterSettings(undefined, known)).toEqual({ router: null, issues: [] })
  })

  test.each([
    ['a candidate that does not exist', { candidates: [ORIGINAL.candidates[0], { ...ORIGINAL.candidates[1], slug: 'nope' }] }, 'router.candidates[1].slug', '"nope" is not a configured model slug (known: cheap-model, strong-model, team-fast)'],
    ['a classifier that is the router itself', { classifier: 'codex-auto' }, 'router.classifier', 'the classifier cannot be the router itself'],
    ['a classifier that does not exist', { classifier: 'ghost' }, 'router.classifier', '"ghost" is not a configured model slug'],
    ['a default that is neither a candidate nor a model', { default: 'ghost' }, 'router.default', '"ghost" is neither a candidate nor a configured model slug'],
    ['a threshold above 1', { threshold: 1.5 }, 'router.threshold', 'expected a number from 0 to 1, got 1.5'],
    ['a threshold below 0', { threshold: -0.1 }, 'router.threshold', 'expected a number from 0 to 1, got -0.1'],
    ['duplicate candidates', { candidates: [ORIGINAL.candidates[0], ORIGINAL.candidates[1], { ...ORIGINAL.candidates[0] }] }, 'router.candidates[2].slug', '"cheap-model" is listed twice (also candidates[0].slug)'],
    ['the router as its own candidate', { candidates: [{ slug: 'codex-auto', cost: 1 }] }, 'router.candidates[0].slug', 'the router cannot be its own candidate'],
    ['a router slug that is already a model', { slug: 'strong-model' }, 'router.slug', '"strong-model" is already a model slug'],
    // A misspelt key used to be dropped: the threshold then silently stayed 0.7.
    ['a misspelt key', { treshold: 0.5 }, 'router.treshold', 'unknown key; did you mean "threshold"?'],
    ['a misspelt candidate key', { candidates: [ORIGINAL.candidates[0], { ...ORIGINAL.candidates[1], suport_images: true }] }, 'router.candidates[1].suport_images', 'unknown key; did you mean "supports_images"?'],
  ])('%s → an issue at its path', (_name, change, path, message) => {
    const { router, issues } = parseRouterSettings({ ...ORIGINAL, ...change }, known)
    expect(router).toBeNull()
    const issue = issues.find((entry) => entry.path === path)
    expect(issue?.message).toContain(message)
  })

  test.each([
    ['a cost that is not a number', { candidates: [{ slug: 'cheap-model', cost: 'cheap' }] }, 'router.candidates[0].cost'],
    ['no candidates', { candidates: [] }, 'router.candidates'],
    ['a missing classifier', { classifier: undefined }, 'router.classifier'],
    ['a bad router slug', { slug: 'Codex Auto' }, 'router.slug'],
  ])('schema: %s → %s', (_name, change, path) => {
    const { issues } = parseRouterSettings({ ...ORIGINAL, ...change }, known)
    expect(issues.map((issue) => issue.path)).toContain(path)
  })

  test('every problem is reported at once', () => {
    const { router } = parseRouterSettings(ORIGINAL, known)
    const issues = checkRouterSettings({ ...router!, classifier: 'codex-auto', threshold: 2, default: 'x' }, known)
    expect(issues.map((issue) => issue.path).sort()).toEqual(['router.classifier', 'router.default', 'router.threshold'])
  })

  test('enabled unless the settings or CODEX_SHIM_DISABLE_ROUTER=1 say otherwise', () => {
    const { router } = parseRouterSettings(ORIGINAL, known)
    expect(routerEnabled(router, {})).toBe(true)
    expect(routerEnabled(router, { CODEX_SHIM_DISABLE_ROUTER: '1' })).toBe(false)
    expect(routerEnabled({ ...router!, enabled: false }, {})).toBe(false)
    expect(routerEnabled(null, {})).toBe(false)
  })
})
