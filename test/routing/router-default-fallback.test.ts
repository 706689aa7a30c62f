import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { CircuitBreaker } from '../../src/routing/breaker.ts'
import { fallbackChain } from '../../src/routing/fallbacks.ts'
import { resolveRoute } from '../../src/routing/resolve.ts'
import { createRouter, routerWrap } from '../../src/routing/router.ts'
import { parseRouterSettings } from '../../src/routing/router-settings.ts'
import { parseSettings } from '../../src/settings/load.ts'
import { openLedger } from '../../src/usage/ledger.ts'
import { startClassifierUpstream } from '../fakes/classifier-upstream.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { memoryLog, sseEvents, startShim } from '../support/shim.ts'
import { freshDir, storedRows } from '../usage/_support.ts'

/**
 * The router's default behind its choice: a routing audit found a request for the router's slug
 * failing with the chosen candidate's 503 (no fallbacks of its own) though the default would
 * have served. A refactoring task goes to strong-model here; which upstream model is down varies.
 */
let downModels = new Set(['strong-upstream'])
const down = { error: { message: 'overloaded', type: 'server_error' } }
const models = startFakeChatUpstream((body) => (downModels.has(body.model) ? { kind: 'error', status: 503, body: down } : stream(textReply(`served by ${body.model}`))))
const classifier = startClassifierUpstream()
const path = join(freshDir('router-default'), 'usage.db')
const ledger = openLedger({ path, flushMs: 60_000 })

const entry = (slug: string, model: string, extra: Record<string, unknown> = {}) => ({ slug, model, provider: 'generic-chat-completion-api', base_url: models.url, ...extra })
const ROUTER = {
  enabled: true, slug: 'codex-auto', classifier: 'classifier', threshold: 0.7, default: 'cheap-model',
  candidates: [{ slug: 'cheap-model', cost: 0.3, card: 'Fast. Single-file edits.' }, { slug: 'strong-model', cost: 5, card: 'Frontier. Multi-file refactors.' }],
}
const settings = parseSettings(
  JSON.stringify({
    models: [
      entry('cheap-model', 'cheap-upstream'),
      entry('strong-model', 'strong-upstream'),
      entry('spare-model', 'spare-upstream'),
      entry('classifier', 'classifier-upstream', { base_url: classifier.url }),
    ],
    router: ROUTER,
  }),
  '/test/models.json',
)
// A breaker that never opens: each request here tries the router's choice first.
const shim = startShim(settings, { ledger, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, breaker: new CircuitBreaker({ threshold: Number.POSITIVE_INFINITY }) })
afterAll(() => {
  shim.close()
  ledger.close()
  models.close()
  classifier.close()
})

const ask = (route: string, body: Record<string, unknown>) => fetch(`${shim.url}${route}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
const refactor = (thread: string) => ({ model: 'codex-auto', messages: [{ role: 'user', content: `refactor the module (${thread})` }] })
async function lastRow() {
  await ledger.flushed()
  const row = storedRows(path).at(-1)!
  return { status: row.status, served: row.served_model, routedBy: row.routed_by, error: row.error_code }
}

describe('the router\'s choice fails before its first byte', () => {
  test('with no fallbacks of its own, the router\'s default serves; the header and the ledger say so', async () => {
    downModels = new Set(['strong-upstream'])
    const before = models.requests.length
    const response = await ask('/v1/chat/completions', refactor('a'))
    expect(response.status).toBe(200)
    expect(response.headers.get('x-codex-shim-routed-to')).toBe('cheap-model')
    expect(((await response.json()) as any).choices[0].message.content).toBe('served by cheap-upstream')
    expect(models.requests.slice(before).map((request) => request.body.model)).toEqual(['strong-upstream', 'cheap-upstream'])
    expect(await lastRow()).toEqual({ status: 200, served: 'cheap-model', routedBy: 'fallback', error: null })
  })

  test('on a translated, streamed route too', async () => {
    const response = await ask('/v1/responses', { model: 'codex-auto', stream: true, store: false, input: 'refactor the module (b)' })
    expect(response.status).toBe(200)
    expect(response.headers.get('x-codex-shim-routed-to')).toBe('cheap-model')
    const events = await sseEvents(response)
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { model: 'codex-auto' } })
    expect(await lastRow()).toMatchObject({ status: 200, served: 'cheap-model', routedBy: 'fallback' })
  })

  test('the default down too: the client hears the last failure, named as the default\'s', async () => {
    downModels = new Set(['strong-upstream', 'cheap-upstream'])
    const response = await ask('/v1/chat/completions', refactor('c'))
    expect(response.status).toBe(503)
    expect(response.headers.get('x-codex-shim-routed-to')).toBe('cheap-model')
    await response.text()
    expect(await lastRow()).toMatchObject({ status: 503, served: 'cheap-model', routedBy: 'fallback' })
  })

  test('the choice served: nothing else is tried, and the row says "router"', async () => {
    downModels = new Set()
    const before = models.requests.length
    const response = await ask('/v1/chat/completions', refactor('d'))
    expect(response.headers.get('x-codex-shim-routed-to')).toBe('strong-model')
    await response.text()
    expect(models.requests.length - before).toBe(1)
    expect(await lastRow()).toEqual({ status: 200, served: 'strong-model', routedBy: 'router', error: null })
  })
})

describe('routerWrap and fallbackChain', () => {
  const resolveModel = async (slug: string) => resolveRoute(settings, slug)
  const router = (open: string) => {
    const { router: parsed } = parseRouterSettings(ROUTER, ['cheap-model', 'strong-model', 'spare-model', 'classifier'])
    return createRouter({ settings: parsed!, open: async () => open, log: memoryLog().logger })
  }
  const hints = { canonical: () => ({ model: 'codex-auto', input: 'refactor the module' }), headers: new Headers() }

  test('a choice other than the default names the default; the default itself names none', async () => {
    const strong = await routerWrap(resolveModel, router('{"scores": {"strong-model": 0.9, "cheap-model": 0.1}}'))('codex-auto', hints)
    expect(strong).toMatchObject({ routedTo: 'strong-model', routerDefault: 'cheap-model' })
    const cheap = await routerWrap(resolveModel, router('{"scores": {"strong-model": 0.1, "cheap-model": 0.9}}'))('codex-auto', hints)
    expect(cheap.routedTo).toBe('cheap-model')
    expect(cheap.routerDefault).toBeUndefined()
  })

  test('the default comes after the choice\'s own fallbacks, and not at all when it is a model already in the chain', async () => {
    const resolved = await resolveModel('strong-model')
    const strong = { ...resolved, model: { ...resolved.model, fallbacks: ['spare-model'] }, slug: 'codex-auto', routedTo: 'strong-model', routerDefault: 'cheap-model' }
    const chain = await fallbackChain(strong, resolveModel)
    expect(chain.map((route) => [route.slug, route.routedTo, route.fallback])).toEqual([
      ['codex-auto', 'strong-model', undefined],
      ['codex-auto', 'spare-model', true],
      ['codex-auto', 'cheap-model', true],
    ])
    const same = await fallbackChain({ ...strong, routerDefault: 'spare-model' }, resolveModel)
    expect(same.map((route) => route.routedTo)).toEqual(['strong-model', 'spare-model'])
  })
})
