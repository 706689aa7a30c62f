import { afterAll, describe, expect, test } from 'bun:test'
import { catalogEntry } from '../../src/codex/catalog.ts'
import { routerModel } from '../../src/routing/router-settings.ts'
import { createHandler } from '../../src/server/app.ts'
import { parseSettings, SettingsError } from '../../src/settings/load.ts'
import { startClassifierUpstream } from '../fakes/classifier-upstream.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { post, testDeps } from '../support/shim.ts'

/** The `router` section and `fallbacks` lists as the settings file carries them, and the router on the one resolve hook. */

const ROUTER = {
  classifier: 'cheap', default: 'cheap',
  candidates: [{ slug: 'cheap', cost: 0.3, card: 'Fast. Small fixes.' }, { slug: 'strong', cost: 5, supports_images: true, card: 'Frontier. Multi-file refactors.' }],
}
const model = (slug: string, extra: Record<string, unknown> = {}) => ({ slug, model: `${slug}-upstream`, provider: 'generic-chat-completion-api', base_url: 'http://127.0.0.1:9/v1', ...extra })

function issuesOf(file: Record<string, unknown>): { path: string; message: string }[] {
  try {
    parseSettings(JSON.stringify(file), '/test/models.json')
  } catch (error) {
    if (error instanceof SettingsError) return error.issues
    throw error
  }
  return []
}

describe('settings: router', () => {
  test('a valid section is typed on Settings, defaults filled in; none means no router', () => {
    const settings = parseSettings(JSON.stringify({ models: [model('cheap'), model('strong')], aliases: { quick: { slug: 'cheap' } }, router: { ...ROUTER, classifier: 'quick' } }), '/test/models.json')
    expect(settings.router).toMatchObject({ enabled: true, slug: 'codex-auto', display_name: 'Auto (smart routing)', classifier: 'quick', threshold: 0.7, cache: true })
    expect(settings.warnings).toEqual([])
    expect(parseSettings(JSON.stringify({ models: [model('cheap')] }), '/test/models.json').router).toBeUndefined()
  })

  test.each([
    ['a candidate that does not exist', { candidates: [ROUTER.candidates[0], { slug: 'ghost', cost: 1 }] }, 'router.candidates[1].slug', '"ghost" is not a configured model slug'],
    ['a classifier that is the router itself', { classifier: 'codex-auto' }, 'router.classifier', 'the classifier cannot be the router itself'],
    ['a threshold outside 0–1', { threshold: 1.2 }, 'router.threshold', 'expected a number from 0 to 1, got 1.2'],
    ['a cost that is not a number', { candidates: [{ slug: 'cheap', cost: 'low' }] }, 'router.candidates[0].cost', 'expected the cost as a number (relative price, e.g. 0.3) (got "low")'],
    ['an enabled flag that is not a boolean', { enabled: 'yes' }, 'router.enabled', 'expected true or false (got "yes")'],
    ['a router slug that is not a slug', { slug: 'Auto!' }, 'router.slug', 'expected lower-case letters, digits, ".", "_" or "-" (e.g. "codex-auto") (got "Auto!")'],
    ['a router slug taken by a model', { slug: 'strong' }, 'router.slug', '"strong" is already a model slug'],
  ])('%s is a settings error at its path', (_name, change, path, message) => {
    const issues = issuesOf({ models: [model('cheap'), model('strong')], router: { ...ROUTER, ...change } })
    expect(issues.find((issue) => issue.path === path)?.message).toContain(message)
  })

  test('router problems are reported with the file\'s other problems, all at once', () => {
    const issues = issuesOf({ models: [model('cheap', { fallbacks: ['strnog'] }), model('strong')], router: { ...ROUTER, threshold: 7 } })
    expect(issues.map((issue) => issue.path).sort()).toEqual(['models[0].fallbacks[0]', 'router.threshold'])
  })
})

describe('the router as a listed model', () => {
  test('the union of its candidates\' capabilities, under the router\'s name', () => {
    const settings = parseSettings(
      JSON.stringify({
        models: [model('cheap', { no_image_support: true, max_context_limit: 64_000 }), model('strong', { max_context_limit: 400_000, reasoning_efforts: ['low', 'high', 'xhigh'] })],
        router: { ...ROUTER, display_name: 'Auto' },
      }),
      '/test/models.json',
    )
    const entry = routerModel(settings)!
    expect(entry).toMatchObject({ slug: 'codex-auto', display_name: 'Auto', no_image_support: false, max_context_limit: 400_000, source: 'router' })
    expect(entry.reasoning_efforts).toEqual(['low', 'medium', 'high', 'xhigh'])
    const catalog = catalogEntry(entry, 9, 'base')
    expect(catalog).toMatchObject({ slug: 'codex-auto', context_window: 400_000, input_modalities: ['text', 'image'] })
    expect(routerModel({ ...settings, router: { ...settings.router!, enabled: false } })).toBeNull()
    expect(routerModel({ ...settings, router: undefined })).toBeNull()
  })

  test('images only when an image-capable candidate really takes them', () => {
    const settings = parseSettings(JSON.stringify({ models: [model('cheap'), model('strong', { no_image_support: true })], router: ROUTER }), '/test/models.json')
    expect(routerModel(settings)!.no_image_support).toBe(true)
  })
})

describe('settings: fallbacks', () => {
  test('models and aliases may name models or aliases to fall back to', () => {
    const settings = parseSettings(
      JSON.stringify({ models: [model('cheap', { fallbacks: ['strong', 'quick'] }), model('strong')], aliases: { quick: { slug: 'strong', fallbacks: ['cheap'] } } }),
      '/test/models.json',
    )
    expect(settings.models[0]!.fallbacks).toEqual(['strong', 'quick'])
    expect(settings.aliases.quick!.fallbacks).toEqual(['cheap'])
  })

  test.each([
    ['an unknown name, with a did-you-mean', { models: [model('cheap', { fallbacks: ['strnog'] }), model('strong')] }, 'models[0].fallbacks[0]', '"strnog" is not a configured model slug or alias; did you mean "strong"?'],
    ['the model itself', { models: [model('cheap', { fallbacks: ['strong', 'cheap'] }), model('strong')] }, 'models[0].fallbacks[1]', '"cheap" is this entry itself'],
    ['an alias naming itself', { models: [model('cheap')], aliases: { quick: { slug: 'cheap', fallbacks: ['quick'] } } }, 'aliases.quick.fallbacks[0]', '"quick" is this entry itself'],
    ['an alias naming its own model', { models: [model('cheap')], aliases: { quick: { slug: 'cheap', fallbacks: ['cheap'] } } }, 'aliases.quick.fallbacks[0]', '"cheap" leads to this entry\'s own model'],
    // A routing audit: these were accepted, and the chain then skipped them without a word.
    ['a model naming an alias of itself', { models: [model('cheap', { fallbacks: ['cheap-high'] })], aliases: { 'cheap-high': { slug: 'cheap', reasoning_effort: 'high' } } }, 'models[0].fallbacks[0]', '"cheap-high" leads to this entry\'s own model (cheap, cheap-high all do)'],
    ['an alias naming another alias of its model', { models: [model('cheap')], aliases: { a: { slug: 'cheap', fallbacks: ['b'] }, b: { slug: 'cheap' } } }, 'aliases.a.fallbacks[0]', '"b" leads to this entry\'s own model'],
    ['the same fallback twice', { models: [model('cheap', { fallbacks: ['strong', 'strong'] }), model('strong')] }, 'models[0].fallbacks[1]', '"strong" is named twice'],
    ['the auto router', { models: [model('cheap', { fallbacks: ['codex-auto'] }), model('strong')], router: ROUTER }, 'models[0].fallbacks[0]', 'is the auto router'],
    ['not a list', { models: [model('cheap', { fallbacks: 'strong' }), model('strong')] }, 'models[0].fallbacks', 'expected a list of model slugs'],
  ])('%s is a settings error', (_name, file, path, message) => {
    const issues = issuesOf(file)
    expect(issues.find((issue) => issue.path === path)?.message).toContain(message)
  })
})

describe('the router on the resolve hook (in-process)', () => {
  const upstream = startFakeChatUpstream((body) => stream(textReply(`served by ${body.model}`)))
  const classifier = startClassifierUpstream()
  afterAll(() => {
    upstream.close()
    classifier.close()
  })
  const settings = () =>
    parseSettings(
      JSON.stringify({
        models: [model('cheap', { base_url: upstream.url }), model('strong', { base_url: upstream.url }), model('judge', { base_url: classifier.url })],
        router: { ...ROUTER, classifier: 'judge', default: 'strong' },
      }),
      '/test/models.json',
    )
  const ask = (handle: ReturnType<typeof createHandler>, text: string) => handle(post('/v1/chat/completions', { model: 'codex-auto', messages: [{ role: 'user', content: text }] }))

  test('CODEX_SHIM_DISABLE_ROUTER=1: the slug still works and goes to the default, no classifier call', async () => {
    process.env.CODEX_SHIM_DISABLE_ROUTER = '1'
    let handle: ReturnType<typeof createHandler>
    try {
      handle = createHandler(testDeps(settings()))
    } finally {
      delete process.env.CODEX_SHIM_DISABLE_ROUTER
    }
    const before = classifier.requests.length
    const response = await ask(handle, 'fix the typo')
    expect(response.headers.get('x-codex-shim-routed-to')).toBe('strong')
    expect(((await response.json()) as any).choices[0].message.content).toBe('served by strong-upstream')
    expect(classifier.requests.length).toBe(before)
  })

  test('enabled: false leaves the slug unknown, as if no router were configured', async () => {
    const file = settings()
    const handle = createHandler(testDeps({ ...file, router: { ...file.router!, enabled: false } }))
    const response = await ask(handle, 'fix the typo')
    expect(response.status).toBe(404)
  })

  test('enabled: the classifier decides, on the chat fast path', async () => {
    const handle = createHandler(testDeps(settings()))
    const response = await ask(handle, 'fix the typo in the docs')
    expect(response.headers.get('x-codex-shim-routed-to')).toBe('cheap')
    const json = (await response.json()) as any
    expect(json.model).toBe('codex-auto')
    expect(json.choices[0].message.content).toBe('served by cheap-upstream')
  })
})
