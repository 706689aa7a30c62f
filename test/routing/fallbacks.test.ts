import { afterAll, describe, expect, test } from 'bun:test'
import { aggregateEvents } from '../../src/canonical/aggregate.ts'
import { ShimError } from '../../src/errors.ts'
import { loadProvider } from '../../src/providers/index.ts'
import type { RequestContext } from '../../src/providers/types.ts'
import { CircuitBreaker } from '../../src/routing/breaker.ts'
import { fallbackChain, isFallbackWorthy, withFallbacks } from '../../src/routing/fallbacks.ts'
import { resolveRoute, type Route } from '../../src/routing/resolve.ts'
import { outputText } from '../../src/routing/router.ts'
import { parseSettings } from '../../src/settings/load.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { memoryLog } from '../support/shim.ts'

// One fake whose behaviour is picked by the upstream model id, so each route fails its own way.
const upstream = startFakeChatUpstream((body) => {
  switch (body.model) {
    case 'down-503': return { kind: 'error', status: 503, body: { error: { message: 'overloaded', type: 'server_error' } } }
    case 'overloaded-529': return { kind: 'error', status: 529, body: { error: { message: 'Overloaded', type: 'overloaded_error' } } }
    case 'limited-long': return { kind: 'error', status: 429, body: { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } }, headers: { 'retry-after': '120' } }
    case 'limited-bare': return { kind: 'error', status: 429, body: { error: { message: 'Rate limit reached', code: 'rate_limit_exceeded' } } }
    case 'too-long': return { kind: 'error', status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens", code: 'context_length_exceeded' } } }
    case 'bad-request': return { kind: 'error', status: 400, body: { error: { message: 'Invalid value for temperature' } } }
    case 'hang': return { kind: 'hang' }
    default: return stream(textReply(`served by ${body.model}`))
  }
})
// A port nothing listens on: connection refused.
const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
const refusedUrl = `http://127.0.0.1:${closed.port}/v1`
closed.stop(true)
afterAll(() => upstream.close())

const entry = (slug: string, model: string, extra: Record<string, unknown> = {}) => ({ slug, model, provider: 'generic-chat-completion-api', base_url: upstream.url, ...extra })
const settings = parseSettings(
  JSON.stringify({
    models: [
      entry('primary', 'ok-primary', { fallbacks: ['backup', 'second'] }),
      entry('backup', 'ok-backup'),
      entry('second', 'ok-second'),
      entry('refused', 'ok-refused', { base_url: refusedUrl }),
      entry('down', 'down-503'),
      entry('overloaded', 'overloaded-529'),
      entry('limited-long', 'limited-long'),
      entry('limited-bare', 'limited-bare'),
      entry('small', 'too-long', { max_context_limit: 8192 }),
      entry('smaller', 'ok-smaller', { max_context_limit: 4096 }),
      entry('big', 'ok-big', { max_context_limit: 200_000 }),
      entry('unknown-size', 'ok-unknown-size'),
      entry('bad', 'bad-request'),
      entry('hangs', 'hang'),
    ],
    aliases: { 'team-fast': { slug: 'primary', fallbacks: ['second'] } },
  }),
  '/test/models.json',
)
const route = (slug: string): Route => resolveRoute(settings, slug)
const resolveModel = async (slug: string) => route(slug)

function context(): RequestContext {
  return {
    signal: new AbortController().signal, fetch: globalThis.fetch, log: memoryLog().logger, idleTimeoutMs: 300, clientHeaders: new Headers(),
    // Production's rules, test-sized waits: a retry-after over 1 s is not waited for.
    retry: { retries: 1, baseDelayMs: 1, maxDelayMs: 1_000 }, onRetry: () => {}, keepAlive: () => {}, services: { chatgpt: null },
  }
}

/** What the front door does before the first byte: open the provider; here also read the answer to see who served. */
async function openAndRead(target: Route): Promise<string> {
  const opened = await (await loadProvider(target.model.provider_label)).open({ model: target.slug, input: 'hello', stream: true }, target, context())
  return outputText((await aggregateEvents(opened.events())).response)
}

describe('fallbacks through real providers and a fake upstream', () => {
  test.each([
    ['connection refused', 'refused'],
    ['no response headers in time', 'hangs'],
    ['5xx after the retries', 'down'],
    ['529 overloaded after the retries', 'overloaded'],
    ['429 with a retry-after past the retry budget', 'limited-long'],
  ])('%s → the next model answers', async (_name, failing) => {
    const { logger, lines } = memoryLog()
    const result = await withFallbacks([route(failing), route('backup')], openAndRead, { log: logger })
    expect(result.value).toBe('served by ok-backup')
    expect(result.served.model.slug).toBe('backup')
    expect(result.fellBack).toBe(true)
    expect(lines.join('\n')).toContain(`${failing} failed before its first byte`)
  })

  test('a 429 without retry-after (retried here already) and a plain 400 go to the client: no fallback', async () => {
    for (const failing of ['limited-bare', 'bad']) {
      let attempts = 0
      const error = await withFallbacks([route(failing), route('backup')], (target) => (attempts++, openAndRead(target))).catch((thrown) => thrown)
      expect(error).toBeInstanceOf(ShimError)
      expect(attempts).toBe(1)
    }
  })

  test('context length: only a fallback with a larger max_context_limit is tried', async () => {
    const tried: string[] = []
    const result = await withFallbacks([route('small'), route('smaller'), route('unknown-size'), route('big')], (target) => (tried.push(target.model.slug), openAndRead(target)))
    expect(tried).toEqual(['small', 'big'])
    expect(result.value).toBe('served by ok-big')
    const none = await withFallbacks([route('small'), route('smaller')], openAndRead).catch((thrown) => thrown)
    expect(none).toMatchObject({ kind: 'context_length_exceeded' })
  })

  test('all failing: the last error is rethrown', async () => {
    const error = await withFallbacks([route('down'), route('refused')], openAndRead).catch((thrown) => thrown)
    expect(error).toMatchObject({ kind: 'upstream_unreachable' })
  })

  test('no fallback once the caller reports bytes sent', async () => {
    let attempts = 0
    const error = await withFallbacks([route('primary'), route('backup')], async (_target, control) => {
      attempts++
      control.bytesSent()
      throw new ShimError('upstream_timeout', 'silent mid-stream')
    }).catch((thrown) => thrown)
    expect(error).toMatchObject({ kind: 'upstream_timeout', message: 'silent mid-stream' })
    expect(attempts).toBe(1)
  })

  test('the attempt learns which route is the last (it may answer as it would without fallbacks)', async () => {
    const seen: boolean[] = []
    await withFallbacks([route('down'), route('backup')], async (target, control) => {
      seen.push(control.last)
      return openAndRead(target)
    })
    expect(seen).toEqual([false, true])
  })

  test('the attempt learns whether a later route would be tried for an error (else it may answer as without fallbacks)', async () => {
    const tooLong = new ShimError('context_length_exceeded', 'x', { code: 'context_length_exceeded' })
    const down = new ShimError('upstream_http', 'x', { status: 503 })
    const judged: boolean[][] = []
    await withFallbacks([route('small'), route('smaller'), route('big')], async (target, control) => {
      judged.push([control.fallsBack(tooLong), control.fallsBack(down), control.fallsBack(new ShimError('bad_request', 'x'))])
      if (target.model.slug === 'small') throw down
      return openAndRead(target)
    })
    expect(judged).toEqual([[true, true, false], [true, true, false]]) // 'small' then 'smaller': 'big' would take a prompt too long
    await withFallbacks([route('small'), route('smaller')], async (_target, control) => {
      expect(control.fallsBack(tooLong)).toBe(false) // no larger window on offer
      expect(control.fallsBack(down)).toBe(true)
      return 'ok'
    })
  })
})

describe('isFallbackWorthy', () => {
  const from = route('small')
  const bigger = route('big')
  const smaller = route('smaller')
  test.each([
    ['unreachable', () => new ShimError('upstream_unreachable', 'x'), true],
    ['timeout', () => new ShimError('upstream_timeout', 'x'), true],
    ['500', () => new ShimError('upstream_http', 'x', { status: 500 }), true],
    ['502', () => new ShimError('upstream_http', 'x', { status: 502 }), true],
    ['408', () => new ShimError('upstream_http', 'x', { status: 408 }), true],
    ['529', () => new ShimError('upstream_http', 'x', { status: 529 }), true],
    ['429 with retry-after', () => new ShimError('upstream_http', 'x', { status: 429, retryAfter: '300' }), true],
    ['429 without', () => new ShimError('upstream_http', 'x', { status: 429 }), false],
    ['ChatGPT usage_limit_reached', () => new ShimError('upstream_http', 'x', { status: 429, code: 'usage_limit_reached' }), true],
    ['401', () => new ShimError('upstream_http', 'x', { status: 401, code: 'upstream_auth_failed' }), false],
    ['404', () => new ShimError('upstream_http', 'x', { status: 404 }), false],
    ['broken mid-stream', () => new ShimError('upstream_stream', 'x'), false],
    ['client went away', () => new ShimError('upstream_stream', 'x', { status: 499 }), false],
    ['bad request', () => new ShimError('bad_request', 'x'), false],
    ['config', () => new ShimError('config', 'x'), false],
    ['a plain Error (a bug)', () => new Error('x'), false],
  ])('%s → %p', (_name, error, expected) => {
    expect(isFallbackWorthy(error(), from, bigger)).toBe(expected)
  })

  test('context length only towards a larger declared window', () => {
    const error = new ShimError('context_length_exceeded', 'x', { code: 'context_length_exceeded' })
    expect(isFallbackWorthy(error, from, bigger)).toBe(true)
    expect(isFallbackWorthy(error, from, smaller)).toBe(false)
    expect(isFallbackWorthy(error, from, route('unknown-size'))).toBe(false)
    expect(isFallbackWorthy(new ShimError('upstream_stream', 'x', { code: 'context_length_exceeded' }), from, bigger)).toBe(true)
  })
})

describe('with the circuit breaker', () => {
  test('a model that failed three times in a row is skipped until its cool-down ends; /health can list it', async () => {
    let clock = 0
    const breaker = new CircuitBreaker({ now: () => clock })
    const tried: string[] = []
    const attempt = (target: Route) => (tried.push(target.model.slug), openAndRead(target))
    for (let i = 0; i < 3; i++) await withFallbacks([route('down'), route('backup')], attempt, { breaker })
    expect(tried).toEqual(['down', 'backup', 'down', 'backup', 'down', 'backup'])
    expect(breaker.coolingDown().map((entry) => entry.slug)).toEqual(['down'])

    tried.length = 0
    const skipped = await withFallbacks([route('down'), route('backup')], attempt, { breaker })
    expect(tried).toEqual(['backup'])
    expect(skipped.fellBack).toBe(true)

    clock += 60_000
    tried.length = 0
    await withFallbacks([route('down'), route('backup')], attempt, { breaker })
    expect(tried).toEqual(['down', 'backup'])
    expect(breaker.allows('down')).toBe(false) // failed again after the cool-down: open again at once
  })

  test('every model cooling down: the first is tried anyway; a success closes its breaker', async () => {
    const breaker = new CircuitBreaker({ threshold: 1 })
    breaker.failure('primary')
    breaker.failure('backup')
    const result = await withFallbacks([route('primary'), route('backup')], openAndRead, { breaker })
    expect(result.served.model.slug).toBe('primary')
    expect(breaker.allows('primary')).toBe(true)
    expect(breaker.coolingDown().map((entry) => entry.slug)).toEqual(['backup'])
  })

  test('an error that is not the model\'s answer (a bug in codex-shim, an abort) neither opens nor closes its breaker', async () => {
    const breaker = new CircuitBreaker({ threshold: 2 })
    breaker.failure('primary')
    for (const thrown of [new TypeError('translator bug'), Object.assign(new Error('aborted'), { name: 'AbortError' })]) {
      const failed = await withFallbacks([route('primary'), route('backup')], async () => {
        throw thrown
      }, { breaker }).catch((error: unknown) => error)
      expect(failed).toBe(thrown)
    }
    // One failure on record before, and still one: not reset by a "success", not pushed to the threshold.
    expect(breaker.allows('primary')).toBe(true)
    breaker.failure('primary')
    expect(breaker.allows('primary')).toBe(false)
  })

  test('a too-long prompt does not count against a model', async () => {
    const breaker = new CircuitBreaker({ threshold: 1 })
    await withFallbacks([route('small'), route('big')], openAndRead, { breaker })
    expect(breaker.allows('small')).toBe(true)
  })
})

describe('fallbackChain', () => {
  test('a model\'s fallbacks in order, unknown names and repeats skipped, the client\'s name kept', async () => {
    const { logger, lines } = memoryLog()
    // Settings refuse such names at load; a model list that changed since (a plan's model gone) can still miss one.
    const primary = route('primary')
    const chain = await fallbackChain({ ...primary, model: { ...primary.model, fallbacks: ['backup', 'nope', 'primary', 'second'] } }, resolveModel, logger)
    expect(chain.map((entry) => entry.model.slug)).toEqual(['primary', 'backup', 'second'])
    expect(chain.map((entry) => entry.slug)).toEqual(['primary', 'primary', 'primary'])
    expect(chain.map((entry) => entry.routedTo)).toEqual([undefined, 'backup', 'second'])
    expect(lines.join('\n')).toContain('fallback "nope" is not a known model')
  })

  test('an alias\'s own fallbacks win over its model\'s', async () => {
    const chain = await fallbackChain(route('team-fast'), resolveModel)
    expect(chain.map((entry) => entry.model.slug)).toEqual(['primary', 'second'])
    expect(chain.every((entry) => entry.slug === 'team-fast')).toBe(true)
  })

  test('the client\'s alias pins its options on each fallback; one that is an alias keeps its own pins for the rest', async () => {
    const fast = route('team-fast')
    const pinned = { ...fast, alias: { ...fast.alias!, reasoning_effort: 'low' as const, max_output_tokens: 4000 } }
    const second = route('second')
    const aliasedSecond = async () => ({ ...second, alias: { slug: 'second', reasoning_effort: 'high' as const, verbosity: 'low' as const } })
    const [, fallback] = await fallbackChain(pinned, aliasedSecond)
    expect(fallback!.alias).toMatchObject({ reasoning_effort: 'low', max_output_tokens: 4000, verbosity: 'low' })
    const [, plain] = await fallbackChain(route('primary'), resolveModel)
    expect(plain!.alias).toBeUndefined()
  })

  test('no fallbacks: the route alone', async () => {
    expect(await fallbackChain(route('backup'), resolveModel)).toEqual([route('backup')])
  })
})
