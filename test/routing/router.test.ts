import { afterAll, describe, expect, test } from 'bun:test'
import type { ResponsesItem, ResponsesRequest } from '../../src/canonical/types.ts'
import { ShimError } from '../../src/errors.ts'
import type { RequestContext } from '../../src/providers/types.ts'
import { resolveRoute } from '../../src/routing/resolve.ts'
import { chooseCandidate, createRouter, providerClassifier, routerWrap, type ClassifierOpen } from '../../src/routing/router.ts'
import { parseRouterSettings, type RouterSettings } from '../../src/routing/router-settings.ts'
import { parseSettings } from '../../src/settings/load.ts'
import { startClassifierUpstream } from '../fakes/classifier-upstream.ts'
import { memoryLog } from '../support/shim.ts'

const classifier = startClassifierUpstream()
afterAll(() => classifier.close())

const models = parseSettings(
  JSON.stringify({
    models: [
      { slug: 'cheap-model', model: 'cheap-upstream', provider: 'generic-chat-completion-api', base_url: classifier.url },
      { slug: 'strong-model', model: 'strong-upstream', provider: 'generic-chat-completion-api', base_url: classifier.url },
    ],
  }),
  '/test/models.json',
)
const ROUTER = {
  enabled: true, slug: 'codex-auto', display_name: 'Auto (smart routing)', classifier: 'cheap-model', threshold: 0.7, default: 'cheap-model', cache: true,
  candidates: [
    { slug: 'cheap-model', cost: 0.3, supports_images: false, card: 'Fast. Single-file edits, small fixes.' },
    { slug: 'strong-model', cost: 5.0, supports_images: true, card: 'Frontier. Multi-file refactors, hard debugging.' },
  ],
}

function routerSettings(overrides: Partial<typeof ROUTER> = {}): RouterSettings {
  const { router, issues } = parseRouterSettings({ ...ROUTER, ...overrides }, ['cheap-model', 'strong-model'])
  expect(issues).toEqual([])
  return router!
}

const context = (signal: AbortSignal): RequestContext => ({
  signal, fetch: globalThis.fetch, log: memoryLog().logger, idleTimeoutMs: 30_000, clientHeaders: new Headers(),
  retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, onRetry: () => {}, keepAlive: () => {}, services: { chatgpt: null },
})
const viaProviders: ClassifierOpen = providerClassifier({ resolve: async (slug) => resolveRoute(models, slug), context })

function build(overrides: Partial<typeof ROUTER> = {}, options: { open?: ClassifierOpen; timeoutMs?: number } = {}) {
  const { logger, lines } = memoryLog()
  const router = createRouter({ settings: routerSettings(overrides), open: options.open ?? viaProviders, log: logger, timeoutMs: options.timeoutMs })
  return { router, lines }
}

const user = (text: string, image = false): ResponsesItem => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }, ...(image ? [{ type: 'input_image' as const, image_url: 'data:image/png;base64,AAAA' }] : [])] })
const hints = (input: ResponsesItem[], headers: Record<string, string> = {}, extra: Partial<ResponsesRequest> = {}) => ({ canonical: () => ({ model: 'codex-auto', input, ...extra }), headers: new Headers(headers) })
const calls = () => classifier.requests.length

describe('choosing', () => {
  const candidates = routerSettings().candidates
  test.each([
    ['the cheapest candidate that clears the threshold', { 'cheap-model': 0.75, 'strong-model': 0.99 }, false, 'cheap-model'],
    ['only the strong one clears it', { 'cheap-model': 0.5, 'strong-model': 0.8 }, false, 'strong-model'],
    ['none clears it: the highest score', { 'cheap-model': 0.6, 'strong-model': 0.4 }, false, 'cheap-model'],
    ['a tie below the threshold: the cheaper', { 'cheap-model': 0.5, 'strong-model': 0.5 }, false, 'cheap-model'],
    ['an image: only image-capable candidates', { 'cheap-model': 0.95, 'strong-model': 0.1 }, true, 'strong-model'],
    ['an image and no image-capable candidate scored', { 'cheap-model': 0.95 }, true, null],
  ])('%s', (_name, scores, image, expected) => {
    expect(chooseCandidate(scores, candidates, 0.7, image)).toBe(expected)
  })
})

describe('the router through a real provider and the classifier fake', () => {
  test('a small task goes to the cheap model, a hard one to the strong model; the prompt has cards, no prices', async () => {
    const { router, lines } = build({ cache: false })
    const small = await router.resolveTask(hints([user('fix the typo in README.md')], { 'thread-id': 'small-1' }))
    expect(small).toMatchObject({ slug: 'cheap-model', cached: false, reason: 'classified', scores: { 'cheap-model': 0.9, 'strong-model': 0.6 } })
    const hard = await router.resolveTask(hints([user('refactor the storage layer')], { 'thread-id': 'hard-1' }))
    expect(hard).toMatchObject({ slug: 'strong-model', scores: { 'cheap-model': 0.2, 'strong-model': 0.9 } })
    const sent = JSON.stringify(classifier.requests.at(-1)!.body)
    expect(classifier.requests.at(-1)!.body.model).toBe('cheap-upstream')
    expect(sent).toContain('Frontier. Multi-file refactors')
    expect(sent).not.toMatch(/\b5(\.0)?\b|0\.3|cost/)
    expect(lines.some((line) => line.includes('router codex-auto → strong-model') && line.includes('strong-model 0.90') && line.includes('classified'))).toBe(true)
  })

  test('a turn with an image goes only to an image-capable candidate', async () => {
    const { router } = build({ cache: false })
    const decision = await router.resolveTask(hints([user('rename this button as in the screenshot', true)], { 'thread-id': 'image-1' }))
    expect(decision.slug).toBe('strong-model')
    expect(JSON.stringify(classifier.requests.at(-1)!.body)).toContain('Task (includes an image):')
  })

  test('an image with no image-capable candidate → the default, without asking', async () => {
    const before = calls()
    const { router, lines } = build({ cache: false, candidates: [ROUTER.candidates[0]!, { ...ROUTER.candidates[1]!, supports_images: false }] })
    const decision = await router.resolveTask(hints([user('rename per screenshot', true)], { 'thread-id': 'image-2' }))
    expect(decision).toMatchObject({ slug: 'cheap-model', reason: 'default', failure: 'no candidate accepts images' })
    expect(calls()).toBe(before)
    expect(lines.join('\n')).toContain('using the default cheap-model')
  })

  test('a three-step tool loop is one task: one classifier call; the next user message is a new task', async () => {
    const { router } = build({ cache: false })
    const before = calls()
    const turn: ResponsesItem[] = [user('<environment_context><cwd>/r</cwd></environment_context>'), user('refactor the parser into modules')]
    const headers = { 'thread-id': 'loop-1' }
    const decisions = [await router.resolveTask(hints(turn, headers))]
    for (let step = 1; step <= 2; step++) {
      turn.push({ type: 'function_call', call_id: `c${step}`, name: 'exec_command', arguments: '{"cmd":"ls"}' }, { type: 'function_call_output', call_id: `c${step}`, output: 'a.ts b.ts' })
      decisions.push(await router.resolveTask(hints(turn, headers)))
    }
    expect(calls() - before).toBe(1)
    expect(decisions.map((decision) => decision.slug)).toEqual(['strong-model', 'strong-model', 'strong-model'])
    expect(decisions.map((decision) => decision.reason)).toEqual(['classified', 'same-task', 'same-task'])
    turn.push({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Done.' }] }, user('now fix the typo in the docs'))
    const next = await router.resolveTask(hints(turn, headers))
    expect(calls() - before).toBe(2)
    expect(next).toMatchObject({ slug: 'cheap-model', reason: 'classified' })
  })

  test('prompt_cache_key names the thread when no header does; other clients are keyed by their first message', async () => {
    const { router } = build({ cache: false })
    const before = calls()
    await router.resolveTask(hints([user('rename foo to bar')], {}, { prompt_cache_key: 'pck-1' }))
    await router.resolveTask(hints([user('rename foo to bar'), { type: 'function_call', call_id: 'c', name: 'f', arguments: '{}' }, { type: 'function_call_output', call_id: 'c', output: 'ok' }], {}, { prompt_cache_key: 'pck-1' }))
    expect(calls() - before).toBe(1)
    await router.resolveTask(hints([user('SDK client: rename baz')]))
    await router.resolveTask(hints([user('SDK client: rename baz'), { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'calling a tool' }] }]))
    expect(calls() - before).toBe(2)
    await router.resolveTask(hints([user('SDK client: a different first message, rename qux')]))
    expect(calls() - before).toBe(3)
  })

  // A routing audit: without a thread id, tasks were keyed by the first user message and the count of
  // user messages, so two conversations that opened alike shared their next task's decision, and
  // requests with no user message at all (tool results after previous_response_id) shared one key.
  test('two conversations that opened alike are told apart by their latest user message', async () => {
    const { router } = build({ cache: false })
    const opening = [user('Hi! I need help with my repo.'), { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Sure, what should I do?' }] } as ResponsesItem]
    const small = await router.resolveTask(hints([...opening, user('fix the typo in README.md')]))
    const before = calls()
    const hard = await router.resolveTask(hints([...opening, user('refactor the whole auth module across all files')]))
    expect(calls() - before).toBe(1)
    expect([small.slug, hard.slug]).toEqual(['cheap-model', 'strong-model'])
  })

  test('a request with no user message and no thread id is classified on its own, never given another task\'s decision', async () => {
    const { router } = build({ cache: false })
    const results = (id: string): ResponsesItem[] => [{ type: 'function_call_output', call_id: id, output: 'ok' }]
    await router.resolveTask(hints(results('a')))
    const before = calls()
    const second = await router.resolveTask(hints(results('b')))
    expect(calls() - before).toBe(1)
    expect(second.reason).toBe('classified')
  })

  test('concurrent requests of one task share one classifier call', async () => {
    const { router } = build({ cache: false })
    const before = calls()
    const all = await Promise.all([1, 2, 3].map(() => router.resolveTask(hints([user('slow: rename the helper')], { 'session-id': 'together' }))))
    expect(calls() - before).toBe(1)
    expect(new Set(all.map((decision) => decision.slug))).toEqual(new Set(['cheap-model']))
  })

  test('cache: true reuses a decision for the same task text in another thread; cache: false asks again', async () => {
    const cached = build()
    const before = calls()
    await cached.router.resolveTask(hints([user('debug across the services')], { 'thread-id': 'cache-a' }))
    const hit = await cached.router.resolveTask(hints([user('debug across the services')], { 'thread-id': 'cache-b' }))
    expect(calls() - before).toBe(1)
    expect(hit).toMatchObject({ slug: 'strong-model', cached: true, reason: 'same-text' })
    expect(cached.lines.some((line) => line.includes('cached: same-text'))).toBe(true)
    const uncached = build({ cache: false })
    await uncached.router.resolveTask(hints([user('debug across the services')], { 'thread-id': 'cache-c' }))
    await uncached.router.resolveTask(hints([user('debug across the services')], { 'thread-id': 'cache-d' }))
    expect(calls() - before).toBe(3)
  })

  test('fenced answers and out-of-range scores are read, clamped, unknown slugs ignored', async () => {
    const { router } = build({ cache: false })
    expect(await router.explain('fenced: fix the typo')).toMatchObject({ slug: 'cheap-model', scores: { 'cheap-model': 0.9, 'strong-model': 0.6 } })
    const clamped = await router.explain('overscore this')
    expect(clamped.scores).toEqual({ 'cheap-model': 1, 'strong-model': 0 })
    expect(clamped.slug).toBe('cheap-model')
  })

  test('a slow answer streamed in small pieces is still read', async () => {
    const { router } = build({ cache: false })
    expect(await router.explain('slow: debug across modules')).toMatchObject({ slug: 'strong-model', reason: 'classified' })
  })
})

describe('classifier failures → the default, logged without the prompt', () => {
  const SECRET = 'planted-prompt-words-7f3a'
  test.each([
    ['HTTP 500', `explode ${SECRET}`, 'upstream_http 500'],
    ['garbage', `garbage ${SECRET}`, 'unreadable answer'],
    ['a hang past the time limit (aborted)', `hang ${SECRET}`, 'upstream_timeout'],
  ])('%s', async (_name, text, failure) => {
    const abortedBefore = classifier.aborted
    const { router, lines } = build({ default: 'strong-model', cache: true }, { timeoutMs: 300 })
    const decision = await router.resolveTask(hints([user(text)], { 'thread-id': `fail-${failure}` }))
    expect(decision).toMatchObject({ slug: 'strong-model', reason: 'default', cached: false })
    expect(decision.failure).toContain(failure)
    expect(lines.join('\n')).toContain('using the default strong-model')
    expect(lines.join('\n')).not.toContain(SECRET)
    if (failure === 'upstream_timeout') {
      // The classifier's request was aborted, not left running.
      for (let i = 0; i < 100 && classifier.aborted === abortedBefore; i++) await Bun.sleep(10)
      expect(classifier.aborted).toBeGreaterThan(abortedBefore)
    }
  })

  // A routing audit: a hung classifier cost every new task its full time limit (10 s by default).
  test('a classifier that keeps timing out is not asked for a while: tasks go straight to the default', async () => {
    let asked = 0
    const { router } = build({ cache: false }, { open: () => (asked++, new Promise<string>(() => {})), timeoutMs: 30 })
    for (let task = 0; task < 3; task++) expect(await router.explain(`task ${task}`)).toMatchObject({ reason: 'default', failure: 'upstream_timeout' })
    expect(asked).toBe(3)
    const skipped = await router.explain('task 4')
    expect(asked).toBe(3)
    expect(skipped).toMatchObject({ slug: 'cheap-model', reason: 'default' })
    expect(skipped.failure).toContain('not asked until its cool-down ends')
  })

  test('an open that throws, or ignores its abort signal, still ends in the default', async () => {
    const throwing = build({}, { open: async () => { throw new ShimError('upstream_unreachable', `Could not reach x ${SECRET}`) } })
    expect(await throwing.router.explain('anything')).toMatchObject({ slug: 'cheap-model', failure: 'upstream_unreachable' })
    expect(throwing.lines.join('\n')).not.toContain(SECRET)
    const deaf = build({}, { open: () => new Promise<string>(() => {}), timeoutMs: 50 })
    expect(await deaf.router.explain('anything')).toMatchObject({ slug: 'cheap-model', reason: 'default', failure: 'upstream_timeout' })
    const bug = build({}, { open: async () => { throw new TypeError('bug') } })
    expect(await bug.router.explain('anything')).toMatchObject({ slug: 'cheap-model', failure: 'error' })
  })

  test('failures are not cached: the next identical task asks again', async () => {
    let answer = 'no json here'
    let asked = 0
    const { router } = build({}, { open: async () => (asked++, answer) })
    expect((await router.resolveTask(hints([user('same words')], { 'thread-id': 'nc-1' }))).reason).toBe('default')
    answer = '{"scores": {"cheap-model": 0.9}}'
    expect(await router.resolveTask(hints([user('same words')], { 'thread-id': 'nc-2' }))).toMatchObject({ slug: 'cheap-model', reason: 'classified' })
    expect(asked).toBe(2)
  })
})

describe('routerWrap', () => {
  const resolveModel = async (slug: string) => resolveRoute(models, slug)

  test('the router slug routes; the route keeps the client\'s name and says where it went', async () => {
    const { router } = build({ cache: false })
    const resolve = routerWrap(resolveModel, router)
    const route = await resolve('codex-auto', hints([user('refactor everything')], { 'thread-id': 'wrap-1' }))
    expect(route.slug).toBe('codex-auto')
    expect(route.model.slug).toBe('strong-model')
    expect(route.routedTo).toBe('strong-model')
  })

  test('any other name resolves as before, without the classifier', async () => {
    const before = calls()
    const resolve = routerWrap(resolveModel, build().router)
    const route = await resolve('cheap-model', hints([user('refactor')]))
    expect(route).toEqual(resolveRoute(models, 'cheap-model'))
    expect(route.routedTo).toBeUndefined()
    expect(calls()).toBe(before)
  })

  test('CODEX_SHIM_DISABLE_ROUTER=1 sends the router slug to the default without asking', async () => {
    const before = calls()
    const resolve = routerWrap(resolveModel, build({ default: 'strong-model' }).router, { env: { CODEX_SHIM_DISABLE_ROUTER: '1' } })
    const route = await resolve('codex-auto', hints([user('fix a typo')]))
    expect(route).toMatchObject({ routedTo: 'strong-model', slug: 'codex-auto', model: { slug: 'strong-model' } })
    expect(calls()).toBe(before)
  })

  test('a chosen model that no longer resolves falls back to the default', async () => {
    const { logger, lines } = memoryLog()
    const router = createRouter({ settings: routerSettings(), open: async () => '{"scores": {"strong-model": 0.95, "cheap-model": 0.1}}', log: logger })
    const resolve = routerWrap(async (slug) => (slug === 'strong-model' ? Promise.reject(new ShimError('unknown_model', 'gone')) : resolveModel(slug)), router, { log: logger })
    const route = await resolve('codex-auto', hints([user('refactor')]))
    expect(route).toMatchObject({ routedTo: 'cheap-model', slug: 'codex-auto', model: { slug: 'cheap-model' } })
    expect(lines.join('\n')).toContain('"strong-model" is not available')
  })
})
