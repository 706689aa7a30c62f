import { describe, expect, test } from 'bun:test'
import { RequestRing, RING_CAPACITY, upstreamHostOf, type RecentRequestInput } from '../../src/ui/request-ring.ts'

const entry = (slug: string): RecentRequestInput => ({ time: '2026-11-20T10:00:00.000Z', dialect: 'responses', slug, upstream: 'chatgpt@chatgpt.com', status: 200, duration_ms: 100, ttft_ms: 40, tokens: { input: 10, output: 2, cached: 8 } })

describe('RequestRing', () => {
  test('keeps the last 200, oldest first, with increasing ids', () => {
    const ring = new RequestRing()
    for (let i = 0; i < 205; i++) ring.push(entry(`m${i}`))
    const list = ring.list()
    expect(RING_CAPACITY).toBe(200)
    expect(list).toHaveLength(200)
    expect(list[0]!.slug).toBe('m5')
    expect(list.at(-1)!.slug).toBe('m204')
    expect(list.at(-1)!.id).toBe(205)
  })

  test('copies only the summary fields: a prompt or key handed in is dropped', () => {
    const ring = new RequestRing()
    const stored = ring.push({ ...entry('kimi'), prompt: 'do my taxes', authorization: 'Bearer sk-x', tokens: { input: 1, output: 2, secret: 'x' } } as never)
    expect(stored).toEqual({ id: 1, time: '2026-11-20T10:00:00.000Z', dialect: 'responses', slug: 'kimi', upstream: 'chatgpt@chatgpt.com', upstream_host: 'chatgpt.com', status: 200, duration_ms: 100, ttft_ms: 40, tokens: { input: 1, output: 2 } })
    expect(JSON.stringify(ring.list())).not.toMatch(/taxes|sk-x|secret/)
  })

  test('subscribers get each entry until they unsubscribe; a throwing one does not stop the others', () => {
    const ring = new RequestRing()
    const seen: string[] = []
    ring.subscribe(() => {
      throw new Error('closed stream')
    })
    const unsubscribe = ring.subscribe((item) => seen.push(item.slug!))
    ring.push(entry('a'))
    unsubscribe()
    ring.push(entry('b'))
    expect(seen).toEqual(['a'])
    expect(ring.subscribers).toBe(1)
  })

  test('list() is a copy', () => {
    const ring = new RequestRing(2)
    ring.push(entry('a'))
    ring.list().pop()
    expect(ring.list()).toHaveLength(1)
  })
})

describe('upstream_host: what the page shows in place of the internal provider@host label', () => {
  test.each([
    ['generic-chat-completion-api@api.deepseek.com', 'api.deepseek.com'],
    ['generic-chat-completion-api@api.deepseek.com (fast path)', 'api.deepseek.com'],
    ['ollama@127.0.0.1:11434', '127.0.0.1:11434'],
    ['chatgpt (fast path)', null],
    ['cursor-agent', null],
    [null, null],
  ] as const)('%p → %p', (label, host) => {
    expect(upstreamHostOf(label)).toBe(host)
    expect(new RequestRing().push({ ...entry('m'), upstream: label }).upstream_host).toBe(host)
  })

  test('a host the caller knows wins over the label', () => {
    expect(new RequestRing().push({ ...entry('m'), upstream: 'openai@a.example', upstream_host: 'b.example' }).upstream_host).toBe('b.example')
  })
})
