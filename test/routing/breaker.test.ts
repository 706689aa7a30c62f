import { describe, expect, test } from 'bun:test'
import { CircuitBreaker } from '../../src/routing/breaker.ts'
import { memoryLog } from '../support/shim.ts'

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
})
