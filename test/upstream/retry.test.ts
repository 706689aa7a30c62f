import { describe, expect, test } from 'bun:test'
import { backoffMs, DEFAULT_RETRY_POLICY, retryAfterMs, retryDelayFor, retryPolicyFromEnv, sleepUnlessAborted } from '../../src/upstream/retry.ts'

const answer = (status: number, headers: Record<string, string> = {}) => new Response(null, { status, headers })

describe('retries before the first byte', () => {
  test('retry-after-ms, retry-after in seconds and as an HTTP date; junk is no hint', () => {
    const now = Date.parse('2026-11-21T12:00:00Z')
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250' }), now)).toBe(250)
    expect(retryAfterMs(new Headers({ 'retry-after': '3' }), now)).toBe(3000)
    expect(retryAfterMs(new Headers({ 'retry-after': 'Sat, 21 Nov 2026 12:00:05 GMT' }), now)).toBe(5000)
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeNull()
    expect(retryAfterMs(new Headers(), now)).toBeNull()
  })

  test('which answers are retried, and after how long', () => {
    const policy = { retries: 2, baseDelayMs: 100, maxDelayMs: 2000 }
    for (const status of [408, 429, 500, 502, 503, 504, 529]) expect(retryDelayFor(answer(status, { 'retry-after': '1' }), 0, policy)).toBe(1000)
    for (const status of [400, 401, 403, 404, 413, 422]) expect(retryDelayFor(answer(status), 0, policy)).toBeNull()
    expect(retryDelayFor(answer(503, { 'retry-after': '30' }), 0, policy)).toBeNull() // too long: the client decides
    expect(retryDelayFor(answer(503), 2, policy)).toBeNull() // retries used up
    expect(retryDelayFor(answer(503, { 'x-should-retry': 'false' }), 0, policy)).toBeNull()
    expect(retryDelayFor(answer(409, { 'x-should-retry': 'true' }), 0, policy)).not.toBeNull()
    expect(retryDelayFor(answer(429), 0, policy, new Set([503]))).toBeNull() // per-upstream statuses
  })

  test('backoff doubles, jitters within the upper half, and is capped', () => {
    const policy = { retries: 5, baseDelayMs: 100, maxDelayMs: 300 }
    expect([backoffMs(0, policy, () => 0), backoffMs(0, policy, () => 1)]).toEqual([50, 100])
    expect([backoffMs(1, policy, () => 0), backoffMs(1, policy, () => 1)]).toEqual([100, 200])
    expect(backoffMs(4, policy, () => 1)).toBe(300)
  })

  test('CODEX_SHIM_RETRIES and CODEX_SHIM_RETRY_MAX_DELAY_MS, with defaults for junk and a ceiling', () => {
    expect(retryPolicyFromEnv({})).toEqual(DEFAULT_RETRY_POLICY)
    expect(retryPolicyFromEnv({ CODEX_SHIM_RETRIES: '0', CODEX_SHIM_RETRY_MAX_DELAY_MS: '500' })).toMatchObject({ retries: 0, maxDelayMs: 500 })
    expect(retryPolicyFromEnv({ CODEX_SHIM_RETRIES: 'many', CODEX_SHIM_RETRY_MAX_DELAY_MS: '-1' })).toEqual(DEFAULT_RETRY_POLICY)
    expect(retryPolicyFromEnv({ CODEX_SHIM_RETRIES: '99' }).retries).toBe(10)
  })

  test('a wait ends at once when the client goes away', async () => {
    const controller = new AbortController()
    const waiting = sleepUnlessAborted(60_000, controller.signal)
    controller.abort()
    await expect(waiting).rejects.toMatchObject({ details: { status: 499 } })
  })
})
