import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { usageApi } from '../../src/usage/api.ts'
import { noopLedger, openLedger } from '../../src/usage/ledger.ts'
import { freshDir, makeRow } from './_support.ts'

const now = new Date(2026, 4, 20, 12).getTime()
const HOUR = 3_600_000

function seeded() {
  const ledger = openLedger({ path: join(freshDir('api'), 'usage.db'), now: () => now })
  // Two DeepSeek requests of one task, one failed request, one priced Anthropic request, one too old for 7d.
  ledger.append(makeRow({ time_ms: now - 2 * HOUR, duration_ms: 1000, ttft_ms: 200, input_tokens: 1000, cached_input_tokens: 800, output_tokens: 100, reasoning_tokens: 40, cost_usd: 0.001, task_key: 't1' }))
  ledger.append(makeRow({ time_ms: now - 2 * HOUR + 1500, duration_ms: 2000, ttft_ms: 400, input_tokens: 3000, cached_input_tokens: 1600, output_tokens: 300, reasoning_tokens: 0, cost_usd: 0.003, task_key: 't1' }))
  ledger.append(makeRow({ time_ms: now - HOUR, status: 429, error_code: 'rate_limit_exceeded', ttft_ms: null, input_tokens: null, cached_input_tokens: null, output_tokens: null, reasoning_tokens: null, cost_usd: 0, task_key: 't2' }))
  ledger.append(makeRow({ time_ms: now - HOUR, provider: 'anthropic', slug: 'sonnet', served_model: 'claude-sonnet-4-5', ttft_ms: 900, input_tokens: 500, cached_input_tokens: 0, output_tokens: 50, reasoning_tokens: null, cost_usd: null, task_key: null }))
  ledger.append(makeRow({ time_ms: now - 10 * 24 * HOUR, input_tokens: 99_999, task_key: 'old' }))
  return ledger
}

const get = async (ledger: ReturnType<typeof seeded>, query: string) => {
  const response = await usageApi(ledger, new URL(`http://127.0.0.1/api/usage${query}`), now)
  return { status: response.status, body: (await response.json()) as any }
}

describe('GET /api/usage', () => {
  test('by model: requests, errors, tokens, cache-hit ratio, median TTFT, cost (null when nothing was priced)', async () => {
    const ledger = seeded()
    const { status, body } = await get(ledger, '?since=7d&by=model')
    expect(status).toBe(200)
    expect(body.since).toBe(new Date(now - 7 * 24 * HOUR).toISOString())
    expect(body.rows).toEqual([
      { model: 'deepseek-chat', provider: 'deepseek', requests: 3, errors: 1, estimated: 0, input_tokens: 4000, cached_input_tokens: 2400, output_tokens: 400, reasoning_tokens: 40, cost_usd: 0.004, cache_hit_ratio: 0.6, median_ttft_ms: 300 },
      { model: 'claude-sonnet-4-5', provider: 'anthropic', requests: 1, errors: 0, estimated: 0, input_tokens: 500, cached_input_tokens: 0, output_tokens: 50, reasoning_tokens: 0, cost_usd: null, cache_hit_ratio: 0, median_ttft_ms: 900 },
    ])
    ledger.close()
  })

  test('by task: most recent first, wall time from first start to last end', async () => {
    const ledger = seeded()
    const { body } = await get(ledger, '?since=1d&by=task')
    expect(body.rows.map((row: any) => [row.task_key, row.requests, row.errors])).toEqual([
      ['t2', 1, 1],
      ['t1', 2, 0],
    ])
    expect(body.rows[1]).toMatchObject({ started_at: now - 2 * HOUR, ended_at: now - 2 * HOUR + 3500, wall_ms: 3500, input_tokens: 4000, cost_usd: 0.004, models: ['deepseek-chat'] })
    ledger.close()
  })

  test('by day: per local day and model', async () => {
    const ledger = seeded()
    const { body } = await get(ledger, '?since=30d&by=day')
    expect(body.rows.map((row: any) => [row.day, row.model, row.requests])).toEqual([
      ['2026-05-20', 'deepseek-chat', 3],
      ['2026-05-20', 'claude-sonnet-4-5', 1],
      ['2026-05-10', 'deepseek-chat', 1],
    ])
    ledger.close()
  })

  test('bad parameters are 400 with the parameter named; a disabled ledger answers empty', async () => {
    const ledger = seeded()
    expect(await get(ledger, '?since=soon')).toMatchObject({ status: 400, body: { error: { param: 'since', message: expect.stringContaining('since expects 30m, 1h, 7d') } } })
    expect(await get(ledger, '?by=week')).toMatchObject({ status: 400, body: { error: { param: 'by' } } })
    expect(await get(ledger, '?by=task&limit=0')).toMatchObject({ status: 400, body: { error: { param: 'limit' } } })
    ledger.close()
    const off = await ((await usageApi(noopLedger(), new URL('http://127.0.0.1/api/usage'), now)).json() as Promise<any>)
    expect(off).toMatchObject({ enabled: false, by: 'model', rows: [] })
  })
})
