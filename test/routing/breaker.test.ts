import { describe, expect, test } from 'bun:test'
import { clientClosed } from '../../src/errors.ts'
import { CircuitBreaker } from '../../src/routing/breaker.ts'
import { withFallbacks } from '../../src/routing/fallbacks.ts'
import type { Route } from '../../src/routing/resolve.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { memoryLog, settingsFrom, startShim } from '../support/shim.ts'

describe('circuit breaker', () => {
  test('opens after three failures in a row, cools down for 60 s, and closes on success', () => {
    let clock = 1_000_000
    const { logger, lines } = memoryLog()
    const breaker = new CircuitBreaker({ now: () => clock, log: logger })
    breaker.failure('a')
    breaker.failure('a')
    expect(breaker.allows('a')).toBe(true)
    expect(breaker.coolingDown()).toEqual([])
    breaker.failure('a')
    expect(breaker.allows('a')).toBe(false)
    expect(breaker.allows('b')).toBe(true)
    expect(breaker.coolingDown()).toEqual([{ slug: 'a', failures: 3, until: 1_060_000 }])
    expect(lines.join('\n')).toContain('a failed 3 times in a row; skipping it for 60 s')

    clock += 59_999
    expect(breaker.allows('a')).toBe(false)
    clock += 1
    // Half-open: tried again; one more failure opens it at once.
    expect(breaker.allows('a')).toBe(true)
    expect(breaker.coolingDown()).toEqual([])
    breaker.failure('a')
    expect(breaker.allows('a')).toBe(false)

    clock += 60_000
    breaker.success('a')
    expect(breaker.allows('a')).toBe(true)
    breaker.failure('a')
    breaker.failure('a')
    expect(breaker.allows('a')).toBe(true) // the count started over
  })

  test('a success between failures resets the count; threshold and cool-down are settable', () => {
    let clock = 0
    const breaker = new CircuitBreaker({ threshold: 2, coolDownMs: 5_000, now: () => clock })
    breaker.failure('x')
    breaker.success('x')
    breaker.failure('x')
    expect(breaker.allows('x')).toBe(true)
    breaker.failure('x')
    expect(breaker.allows('x')).toBe(false)
    clock = 5_000
    expect(breaker.allows('x')).toBe(true)
  })

  // A routing audit: after each cool-down every request in flight tried the model again, so a hung
  // model cost all of them its timeout (8 requests × 300 s by default), not one.
  test('after the cool-down one request probes the model; the others pass it by until it reports back', () => {
    let clock = 0
    const breaker = new CircuitBreaker({ threshold: 1, coolDownMs: 1_000, now: () => clock })
    breaker.failure('hung')
    clock = 1_000
    expect(breaker.allows('hung')).toBe(true)
    expect(breaker.claim('hung')).toBe(true) // the probe
    expect(breaker.allows('hung')).toBe(false)
    expect(breaker.claim('hung')).toBe(false) // everyone else, meanwhile
    breaker.failure('hung') // the probe failed: cooling down again
    expect(breaker.claim('hung')).toBe(false)
    clock = 2_000
    expect(breaker.claim('hung')).toBe(true)
    breaker.success('hung')
    expect(breaker.claim('hung')).toBe(true)
    expect(breaker.claim('hung')).toBe(true) // closed: no probe to hold
  })

  test('a probe that never reports back frees its slot after another cool-down', () => {
    let clock = 0
    const breaker = new CircuitBreaker({ threshold: 1, coolDownMs: 1_000, now: () => clock })
    breaker.failure('m')
    clock = 1_000
    expect(breaker.claim('m')).toBe(true)
    clock = 1_999
    expect(breaker.claim('m')).toBe(false)
    clock = 2_000
    expect(breaker.claim('m')).toBe(true)
  })

  test('release frees a probe and keeps the count', () => {
    let clock = 0
    const breaker = new CircuitBreaker({ threshold: 2, coolDownMs: 1_000, now: () => clock })
    breaker.failure('m')
    breaker.release('m', breaker.probeOf('m'))
    breaker.failure('m')
    expect(breaker.allows('m')).toBe(false) // two in a row: the release did not reset the count
    clock = 1_000
    expect(breaker.claim('m')).toBe(true)
    breaker.release('m', breaker.probeOf('m'))
    expect(breaker.claim('m')).toBe(true) // the next request probes at once
    breaker.release('unknown', undefined) // nothing to release: no entry appears
    expect(breaker.coolingDown().map((entry) => entry.slug)).toEqual([])
  })

  test('a request frees only the probe it took: one that took none, or an older one, leaves the current probe alone', () => {
    let clock = 0
    const breaker = new CircuitBreaker({ threshold: 1, coolDownMs: 1_000, now: () => clock })
    breaker.failure('m')
    clock = 1_000
    expect(breaker.claim('m')).toBe(true)
    const first = breaker.probeOf('m')
    breaker.release('m', undefined) // a last-choice request, which took no probe, leaves
    expect(breaker.claim('m')).toBe(false)
    breaker.release('m', first)
    clock = 1_500
    expect(breaker.claim('m')).toBe(true) // a new probe
    breaker.release('m', first) // the first prober's late leaving frees nothing now
    expect(breaker.claim('m')).toBe(false)
  })
})

describe('the breaker in a fallback chain', () => {
  test('requests arriving while a cooled-down model is probed go straight to the fallback', async () => {
    const { withFallbacks } = await import('../../src/routing/fallbacks.ts')
    const { ShimError } = await import('../../src/errors.ts')
    let clock = 0
    const breaker = new CircuitBreaker({ threshold: 1, coolDownMs: 1_000, now: () => clock })
    const route = (slug: string) => ({ slug, model: { slug, model: slug, provider: 'ollama' } }) as never
    const chain = [route('primary'), route('backup')]
    breaker.failure('primary')
    clock = 1_000
    const tried: string[] = []
    let release!: () => void
    const hung = new Promise<never>((_, reject) => (release = () => reject(new ShimError('upstream_timeout', 'no headers'))))
    const attempt = (target: { slug: string }) => {
      tried.push(target.slug)
      return target.slug === 'primary' ? hung : Promise.resolve(target.slug)
    }
    const probe = withFallbacks(chain, attempt, { breaker })
    const others = await Promise.all([1, 2, 3].map(() => withFallbacks(chain, attempt, { breaker })))
    expect(others.map((result) => result.value)).toEqual(['backup', 'backup', 'backup'])
    release()
    expect((await probe).value).toBe('backup')
    expect(tried.filter((slug) => slug === 'primary')).toHaveLength(1)
  })
})

// A routing audit: a client that gave up on a hung model's half-open probe closed its breaker (the
// disconnect counted as the model answering), and every request in flight waited on it again.
describe('a client that leaves before the model answers', () => {
  const route = (slug: string) => ({ slug, model: { slug, model: slug, provider: 'ollama' } }) as unknown as Route
  const chain = [route('primary'), route('backup')]
  const leaves = (target: Route) => (target.slug === 'primary' ? Promise.reject(clientClosed()) : Promise.resolve(target.slug))

  test('neither resets the failure count nor closes an open breaker', async () => {
    const breaker = new CircuitBreaker({ threshold: 2 })
    breaker.failure('primary')
    await withFallbacks(chain, leaves, { breaker }).catch(() => {})
    breaker.failure('primary')
    expect(breaker.allows('primary')).toBe(false)
  })

  test('a probe it abandoned leaves the breaker half-open: the next request probes again', async () => {
    let clock = 0
    const breaker = new CircuitBreaker({ threshold: 2, coolDownMs: 1_000, now: () => clock })
    breaker.failure('primary')
    breaker.failure('primary')
    clock = 1_000
    const error = await withFallbacks(chain, leaves, { breaker }).catch((thrown) => thrown)
    expect(error).toMatchObject({ kind: 'upstream_stream', details: { status: 499 } })
    expect(breaker.claim('primary')).toBe(true) // the probe is free again, not held for a cool-down
    breaker.failure('primary') // and the model is still one failure from open: it opens again at once
    expect(breaker.allows('primary')).toBe(false)
  })

  test('through the server: a client that gives up on the probe of a hung model', async () => {
    const hung = startFakeChatUpstream(() => ({ kind: 'hang' }))
    const spare = startFakeChatUpstream(() => stream(textReply('spare')))
    let clock = 0
    const breaker = new CircuitBreaker({ threshold: 2, coolDownMs: 1_000, now: () => clock })
    const { logger, lines } = memoryLog()
    const shim = startShim(
      settingsFrom([
        { slug: 'a', model: 'a', provider: 'generic-chat-completion-api', base_url: hung.url, fallbacks: ['b'] },
        { slug: 'b', model: 'b', provider: 'generic-chat-completion-api', base_url: spare.url },
      ]),
      { breaker, log: logger, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
    )
    try {
      breaker.failure('a')
      breaker.failure('a')
      clock = 1_000 // cooled down: the next request probes
      const client = new AbortController()
      const asked = fetch(`${shim.url}/v1/chat/completions`, { method: 'POST', signal: client.signal, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'a', messages: [{ role: 'user', content: 'hi' }] }) })
      while (!hung.requests.length) await Bun.sleep(5)
      client.abort()
      await asked.catch(() => {})
      // The request's log line is written once the shim has finished with it (the breaker told).
      while (!lines.some((line) => line.includes('POST /v1/chat/completions'))) await Bun.sleep(5)
      expect(breaker.claim('a')).toBe(true)
      breaker.failure('a')
      expect(breaker.allows('a')).toBe(false)
    } finally {
      shim.close()
      hung.close()
      spare.close()
    }
  })
})
