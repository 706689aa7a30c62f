import { describe, expect, test } from 'bun:test'
import { CursorLimiter, cursorLimiterFromEnv } from '../../src/cursor/limiter.ts'
import { ShimError } from '../../src/errors.ts'

describe('cursor concurrency limiter', () => {
  test('runs up to the limit at once; the next waits in order; beyond the queue, 429 with retry-after', async () => {
    const limiter = new CursorLimiter(2, 2)
    const first = await limiter.acquire()
    const second = await limiter.acquire()
    const order: string[] = []
    const third = limiter.acquire().then((release) => (order.push('third'), release))
    const fourth = limiter.acquire().then((release) => (order.push('fourth'), release))
    expect(limiter.active).toBe(2)
    expect(limiter.waiting).toBe(2)

    const refused = await limiter.acquire().catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ShimError)
    expect((refused as ShimError).status).toBe(429)
    expect((refused as ShimError).details.retryAfter).toBe('10')
    expect((refused as ShimError).message).toContain('CODEX_SHIM_CURSOR_CONCURRENCY')

    first()
    first() // a second call is a no-op: it must not free another slot
    const releaseThird = await third
    expect(order).toEqual(['third'])
    expect(limiter.active).toBe(2)
    second()
    const releaseFourth = await fourth
    expect(order).toEqual(['third', 'fourth'])
    releaseThird()
    releaseFourth()
    expect(limiter.active).toBe(0)
    expect(limiter.waiting).toBe(0)
  })

  test('a waiting client that goes away leaves the queue', async () => {
    const limiter = new CursorLimiter(1, 1)
    const release = await limiter.acquire()
    const controller = new AbortController()
    const waiting = limiter.acquire(controller.signal)
    controller.abort()
    const error = await waiting.catch((caught: unknown) => caught)
    expect((error as ShimError).status).toBe(499)
    expect(limiter.waiting).toBe(0)
    release()
    expect(limiter.active).toBe(0)
  })

  test('settings from the environment; a bad value is a config error naming the variable', () => {
    const limiter = cursorLimiterFromEnv({ CODEX_SHIM_CURSOR_CONCURRENCY: '3', CODEX_SHIM_CURSOR_QUEUE: '5' })
    expect([limiter.max, limiter.queue]).toEqual([3, 5])
    expect([cursorLimiterFromEnv({}).max, cursorLimiterFromEnv({}).queue]).toEqual([2, 8])
    expect(() => cursorLimiterFromEnv({ CODEX_SHIM_CURSOR_CONCURRENCY: 'two' })).toThrow('CODEX_SHIM_CURSOR_CONCURRENCY must be a positive whole number')
  })
})
