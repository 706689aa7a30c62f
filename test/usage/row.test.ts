import { describe, expect, test } from 'bun:test'
import { costOf } from '../../src/usage/price.ts'
import { estimateTokens, normaliseUsage, rowOf, type FinishedRequest } from '../../src/usage/row.ts'
import { parseSince } from '../../src/usage/since.ts'
import { taskKey } from '../../src/usage/task-key.ts'

describe('normaliseUsage', () => {
  test('canonical usage: input includes cached; figures kept exactly, missing ones null', () => {
    const tokens = normaliseUsage({ input_tokens: 1200, input_tokens_details: { cached_tokens: 800 }, output_tokens: 90, output_tokens_details: { reasoning_tokens: 40 }, total_tokens: 1290 }, 'responses')
    expect(tokens).toEqual({ input_tokens: 1200, cached_input_tokens: 800, cache_write_tokens: null, output_tokens: 90, reasoning_tokens: 40 })
    expect(normaliseUsage({ input_tokens: 5, output_tokens: 2, total_tokens: 7 }, 'responses')).toEqual({ input_tokens: 5, cached_input_tokens: null, cache_write_tokens: null, output_tokens: 2, reasoning_tokens: null })
  })

  test('chat usage: OpenAI details, or DeepSeek prompt_cache_hit_tokens', () => {
    expect(normaliseUsage({ prompt_tokens: 300, completion_tokens: 20, prompt_tokens_details: { cached_tokens: 256 }, completion_tokens_details: { reasoning_tokens: 12 } }, 'chat')).toEqual({ input_tokens: 300, cached_input_tokens: 256, cache_write_tokens: null, output_tokens: 20, reasoning_tokens: 12 })
    expect(normaliseUsage({ prompt_tokens: 4000, completion_tokens: 100, prompt_cache_hit_tokens: 3840 }, 'chat')).toMatchObject({ input_tokens: 4000, cached_input_tokens: 3840 })
  })

  test("chat usage: Moonshot's top-level cached_tokens is counted as cached (the chat fast path billed it at the input rate)", () => {
    const tokens = normaliseUsage({ prompt_tokens: 4000, completion_tokens: 100, total_tokens: 4100, cached_tokens: 3072 }, 'chat')
    expect(tokens).toMatchObject({ input_tokens: 4000, cached_input_tokens: 3072 })
    expect(costOf(tokens, { input: 0.6, cached_input: 0.15, output: 2.5 })).toBeCloseTo((928 * 0.6 + 3072 * 0.15 + 100 * 2.5) / 1e6, 12)
  })

  test('messages usage: Anthropic input excludes cache reads and writes, so they are added back', () => {
    expect(normaliseUsage({ input_tokens: 10, cache_read_input_tokens: 900, cache_creation_input_tokens: 90, output_tokens: 33 }, 'messages')).toEqual({ input_tokens: 1000, cached_input_tokens: 900, cache_write_tokens: 90, output_tokens: 33, reasoning_tokens: null })
  })

  test('no usage: all null', () => {
    expect(normaliseUsage(null, 'chat')).toEqual({ input_tokens: null, cached_input_tokens: null, cache_write_tokens: null, output_tokens: null, reasoning_tokens: null })
  })
})

describe('costOf', () => {
  const deepseek = { input: 0.27, cached_input: 0.07, output: 1.1 }
  test('cached tokens at the cached rate and not also at the input rate', () => {
    const cost = costOf({ input_tokens: 1_000_000, cached_input_tokens: 600_000, cache_write_tokens: null, output_tokens: 100_000, reasoning_tokens: 40_000 }, deepseek)
    expect(cost).toBeCloseTo(0.4 * 0.27 + 0.6 * 0.07 + 0.1 * 1.1, 10)
  })
  test('no cached rate: cached tokens billed at the input rate; cache writes at their own rate', () => {
    expect(costOf({ input_tokens: 2_000_000, cached_input_tokens: 1_000_000, cache_write_tokens: null, output_tokens: 0, reasoning_tokens: null }, { input: 1, output: 2 })).toBeCloseTo(2, 10)
    expect(costOf({ input_tokens: 1_000_000, cached_input_tokens: 500_000, cache_write_tokens: 500_000, output_tokens: 0, reasoning_tokens: null }, { input: 3, cached_input: 0.3, cache_write: 3.75, output: 15 })).toBeCloseTo(0.15 + 1.875, 10)
  })
  test('no price: null; unknown counts bill nothing', () => {
    expect(costOf({ input_tokens: 10, cached_input_tokens: null, cache_write_tokens: null, output_tokens: 10, reasoning_tokens: null }, undefined)).toBeNull()
    expect(costOf({ input_tokens: null, cached_input_tokens: null, cache_write_tokens: null, output_tokens: null, reasoning_tokens: null }, deepseek)).toBe(0)
  })
})

test('estimateTokens: about 4 bytes per token, rounded up', () => {
  expect(estimateTokens(4000, 401)).toEqual({ input_tokens: 1000, output_tokens: 101 })
  expect(estimateTokens(0, 0)).toEqual({ input_tokens: 0, output_tokens: 0 })
})

// Header values shaped like spec/codex-wire.md §b.1 (captures 04a–04c: one turn, a tool loop).
const thread = '01a1fe35-5528-7dd2-83a8-187941cd8003'
function codexHeaders(turn: string, extra: Record<string, unknown> = {}): Headers {
  const metadata = { installation_id: 'cc0eea5e-ec4b-47ae-aefa-45f1f5418b4a', session_id: thread, thread_id: thread, agent_name: '/root', turn_id: turn, window_id: `${thread}:0`, window_number: 0, request_kind: 'turn', root_turn_id: turn, model: 'my-model', reasoning_effort: 'medium', ...extra }
  return new Headers({ 'session-id': thread, 'thread-id': thread, 'x-client-request-id': thread, 'x-codex-window-id': `${thread}:0`, 'x-codex-turn-metadata': JSON.stringify(metadata) })
}

describe('taskKey', () => {
  test('a Codex tool loop (4 requests in one turn, one a mid-turn compaction) is one task; the next turn is another', () => {
    const turn = '01a1fe35-553b-7ae1-ac40-3709fa0242c4'
    const keys = [codexHeaders(turn), codexHeaders(turn), codexHeaders(turn, { request_kind: 'compaction' }), codexHeaders(turn)].map((headers) => taskKey(headers))
    expect(new Set(keys).size).toBe(1)
    expect(keys[0]).toMatch(/^[0-9a-f]{16}$/)
    expect(taskKey(codexHeaders('01a1fe3b-d219-78b3-987c-94a5dd15db85'))).not.toBe(keys[0])
  })
  test('no ids in the key text: only a hash', () => {
    const key = taskKey(codexHeaders('turn-x'))!
    expect(key).not.toContain(thread.slice(0, 8))
  })
  test('thread header alone, underscore session_id, first user text, nothing', () => {
    expect(taskKey(new Headers({ 'thread-id': 'T1' }))).toBe(taskKey(new Headers({ 'session-id': 'T1' })))
    expect(taskKey(new Headers({ session_id: 'T2' }))).toMatch(/^[0-9a-f]{16}$/)
    expect(taskKey(new Headers(), 'fix the build')).toBe(taskKey(new Headers(), 'fix the build'))
    expect(taskKey(new Headers(), 'fix the build')).not.toBe(taskKey(new Headers(), 'fix the tests'))
    expect(taskKey(new Headers({ 'x-codex-turn-metadata': '{not json' }))).toBeNull()
  })
})

describe('rowOf', () => {
  const base: FinishedRequest = {
    startedAt: 1_700_000_000_000,
    durationMs: 2500,
    ttftMs: 400,
    dialect: 'responses',
    slug: 'ds',
    provider: 'deepseek',
    upstreamHost: 'api.deepseek.com',
    servedModel: 'deepseek-chat',
    status: 200,
    errorCode: null,
    usage: { prompt_tokens: 4000, completion_tokens: 100, prompt_cache_hit_tokens: 3000, completion_tokens_details: { reasoning_tokens: 60 } },
    usageDialect: 'chat',
    bytesIn: 16000,
    bytesOut: 400,
    price: { input: 0.27, cached_input: 0.07, output: 1.1 },
    routedBy: 'fallback',
    headers: codexHeaders('turn-1'),
  }
  test('reported usage: exact counts, cost, task key, not estimated', () => {
    expect(rowOf(base)).toEqual({
      time_ms: 1_700_000_000_000,
      dialect: 'responses',
      slug: 'ds',
      provider: 'deepseek',
      upstream_host: 'api.deepseek.com',
      served_model: 'deepseek-chat',
      status: 200,
      error_code: null,
      duration_ms: 2500,
      ttft_ms: 400,
      input_tokens: 4000,
      cached_input_tokens: 3000,
      cache_write_tokens: null,
      output_tokens: 100,
      reasoning_tokens: 60,
      usage_estimated: false,
      cost_usd: (1000 * 0.27 + 3000 * 0.07 + 100 * 1.1) / 1e6,
      task_key: taskKey(codexHeaders('turn-1')),
      routed_by: 'fallback',
    })
  })
  test('no usage from a 200: estimated from bytes and marked; from an error: null counts', () => {
    expect(rowOf({ ...base, usage: null, price: null })).toMatchObject({ input_tokens: 4000, output_tokens: 100, cached_input_tokens: null, usage_estimated: true, cost_usd: null })
    expect(rowOf({ ...base, usage: undefined, status: 502, errorCode: 'upstream_http', ttftMs: null })).toMatchObject({ input_tokens: null, output_tokens: null, usage_estimated: false, cost_usd: 0, status: 502, error_code: 'upstream_http' })
  })
  test('a client that left mid-stream: what was billed (the prompt, the part streamed) is estimated; gone before any byte: null', () => {
    expect(rowOf({ ...base, usage: null, status: 499, errorCode: 'client-closed' })).toMatchObject({ input_tokens: 4000, output_tokens: 100, usage_estimated: true, status: 499, cost_usd: (4000 * 0.27 + 100 * 1.1) / 1e6 })
    expect(rowOf({ ...base, usage: null, status: 499, errorCode: 'client-closed', bytesOut: 0, ttftMs: null })).toMatchObject({ input_tokens: null, output_tokens: null, usage_estimated: false })
  })
})

describe('parseSince', () => {
  const now = new Date(2026, 4, 20, 15, 30).getTime()
  test.each([
    ['1h', now - 3_600_000],
    ['30m', now - 1_800_000],
    ['7d', now - 7 * 86_400_000],
    ['30d', now - 30 * 86_400_000],
    ['today', new Date(2026, 4, 20).getTime()],
    ['yesterday', new Date(2026, 4, 19).getTime()],
    ['2026-05-01', new Date(2026, 4, 1).getTime()],
    ['2026-05-01T10:00:00Z', Date.UTC(2026, 4, 1, 10)],
  ])('%s', (text, expected) => expect(parseSince(text, now)).toBe(expected))
  test.each(['', 'soon', '7', '-1d', '2026-13-01', '2026-02-30'])('bad: %p', (text) => {
    expect(() => parseSince(text, now)).toThrow(/--since expects 30m, 1h, 7d/)
  })
  // Date.parse rolls a date-time's impossible day over (Feb 30 09:00 became Mar 2), where the date alone was refused.
  test.each(['2026-02-30T09:00', '2026-04-31T00:00:00Z', '2026-13-01T09:00'])('bad date-time: %p', (text) => {
    expect(() => parseSince(text, now)).toThrow(/--since expects 30m, 1h, 7d/)
  })
  // Lower-cased, "1M" (a month, to many) was read as one minute: a window 43,200 times too short, without a word.
  test('"1M" is refused rather than read as one minute', () => {
    expect(() => parseSince('1M', now)).toThrow(/minutes/)
    expect(parseSince('1m', now)).toBe(now - 60_000)
    expect(parseSince('7D', now)).toBe(now - 7 * 86_400_000)
  })
  // An audit: 999999999d made an Invalid Date, then a crash (exit 1, and a 500 from /api/usage).
  test.each(['999999999d', '99999999999999999999w'])('too far back: %p is a usage error', (text) => {
    expect(() => parseSince(text, now)).toThrow(/reaches back too far/)
  })
})
