import { describe, expect, test } from 'bun:test'
import { cached } from '../../src/cursor/_cache.ts'
import { parseCursorStatus } from '../../src/cursor/status.ts'

describe('cursor status parsing', () => {
  test.each([
    ['✓ Logged in as dev@example.com', 'logged-in', 'dev@example.com'],
    ['\u001b[32m✓\u001b[39m Logged in as \u001b[1mdev@example.com\u001b[22m', 'logged-in', 'dev@example.com'],
    ['Logged in as dev@example.com.', 'logged-in', 'dev@example.com'],
    ['✓ Login successful!\nLogged in (unable to fetch user details)', 'degraded', undefined],
    ['Not logged in', 'logged-out', undefined],
    ['Not logged in. Run cursor-agent login to sign in.', 'logged-out', undefined],
    ['\u001b[31mNot logged in\u001b[0m', 'logged-out', undefined],
    ['Authentication required. Please run agent login first, or set CURSOR_API_KEY environment variable.', 'logged-out', undefined],
    ['Error: not authenticated', 'logged-out', undefined],
    ['ConnectError: [unauthenticated] token expired', 'logged-out', undefined],
    ['Checking... something new happened', 'unknown', undefined],
    ['', 'unknown', undefined],
  ])('%p → %s', (text, state, account) => {
    const status = parseCursorStatus(text)
    expect(status.state).toBe(state as never)
    expect(status.account).toBe(account)
  })

  test('unknown is not logged out, and says why', () => {
    expect(parseCursorStatus('weird output').detail).toContain('does not recognise')
  })
})

describe('the probe cache', () => {
  test('one load per ttl, shared; an old answer is given at once while the next loads; a failed load keeps the last', async () => {
    let clock = 0
    let loads = 0
    let fail = false
    let release: () => void = () => {}
    const cache = cached(async () => {
      loads++
      if (loads > 1) await new Promise<void>((resolve) => (release = resolve))
      if (fail) throw new Error('no')
      return loads
    }, 30_000, () => clock)
    expect(await Promise.all([cache.get(), cache.get()])).toEqual([1, 1])
    clock = 29_999
    expect(await cache.get()).toBe(1)
    expect(loads).toBe(1)
    clock = 30_000
    // Old: answered at once, with the refresh (held by the test) still loading; callers meanwhile share it.
    expect(await cache.get()).toBe(1)
    expect(await cache.get()).toBe(1)
    expect(loads).toBe(2)
    release()
    await Bun.sleep(0)
    expect(await cache.get()).toBe(2)
    clock = 60_000
    fail = true
    expect(await cache.get()).toBe(2)
    release()
    await Bun.sleep(0)
    expect(await cache.get()).toBe(2) // the failed refresh kept the last answer, and another began
    expect(loads).toBe(4)
  })

  test('with no answer yet, a failure reaches the caller and the next call loads again', async () => {
    let loads = 0
    const cache = cached(async () => {
      if (++loads === 1) throw new Error('no')
      return 'ok'
    }, 30_000)
    await expect(cache.get()).rejects.toThrow('no')
    expect(await cache.get()).toBe('ok')
  })

  test('a load that never ends holds the others back for one ttl at most', async () => {
    let clock = 0
    let loads = 0
    const cache = cached(() => {
      loads++
      // The second load hangs for good (a cursor-agent whose pipe never closes); the others answer.
      return loads === 2 ? new Promise<number>(() => {}) : Promise.resolve(loads)
    }, 30_000, () => clock)
    expect(await cache.get()).toBe(1)
    clock = 30_000
    expect(await cache.get()).toBe(1) // old answer; load 2 starts and hangs
    clock = 59_999
    expect(await cache.get()).toBe(1)
    expect(loads).toBe(2) // still within a ttl of the hung load: not started again
    clock = 60_000
    expect(await cache.get()).toBe(1) // load 3 starts beside the hung one
    await Bun.sleep(0)
    expect(loads).toBe(3)
    expect(await cache.get()).toBe(3)
  })

  test('clear() forgets the answer, and a load begun before it does not fill the cache after it', async () => {
    let release: (value: string) => void = () => {}
    const cache = cached(() => new Promise<string>((resolve) => (release = resolve)), 30_000)
    const first = cache.get()
    cache.clear()
    release('before clear')
    expect(await first).toBe('before clear')
    expect(cache.peek()).toBeUndefined()
    release('after clear')
    await Bun.sleep(0)
    expect(await cache.get()).toBe('after clear')
  })
})

describe('the probe cache without waiting (peek, for /health)', () => {
  test('nothing before the first answer; then the last answer, stale ones too, while a refresh runs; a failed refresh keeps it', async () => {
    let clock = 0
    let loads = 0
    let release: (value: number) => void = () => {}
    let fail = false
    const cache = cached(() => {
      loads++
      if (fail) return Promise.reject(new Error('no'))
      return new Promise<number>((resolve) => (release = resolve))
    }, 30_000, () => clock)
    expect(cache.peek()).toBeUndefined() // started the first load, did not wait for it
    expect(loads).toBe(1)
    release(7)
    await cache.get()
    expect(cache.peek()).toBe(7)
    clock = 30_000
    expect(cache.peek()).toBe(7) // stale, and a refresh is now in flight
    expect(loads).toBe(2)
    release(8)
    await Bun.sleep(0)
    expect(await cache.get()).toBe(8)
    expect(cache.peek()).toBe(8)
    clock = 60_000
    fail = true
    expect(cache.peek()).toBe(8)
    await Promise.resolve()
    expect(cache.peek()).toBe(8)
  })
})
