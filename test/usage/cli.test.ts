import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { rowOf, type FinishedRequest } from '../../src/usage/row.ts'
import { freshHomes, runCli } from '../support/cli.ts'

const cli = join(import.meta.dir, '../../src/cli.ts')
const thread = '01a1fe35-5528-7dd2-83a8-187941cd8003'
const turn = '01a1fe35-553b-7ae1-ac40-3709fa0242c4'
// What Codex sends on every request of one turn (spec/codex-wire.md §b.1).
const codexHeaders = () =>
  new Headers({ 'thread-id': thread, 'session-id': thread, 'x-codex-turn-metadata': JSON.stringify({ session_id: thread, thread_id: thread, turn_id: turn, request_kind: 'turn', window_id: `${thread}:0` }) })

const base = Date.now() - 60_000

function finished(index: number, overrides: Partial<FinishedRequest> = {}): FinishedRequest {
  return {
    startedAt: base + index * 10_000,
    durationMs: 4000,
    ttftMs: 500 + index * 100,
    dialect: 'responses',
    slug: 'deepseek',
    provider: 'deepseek',
    upstreamHost: 'api.deepseek.com',
    servedModel: 'deepseek-chat',
    status: 200,
    errorCode: null,
    usage: { prompt_tokens: 10_000, completion_tokens: 200, prompt_cache_hit_tokens: 6000, completion_tokens_details: { reasoning_tokens: 50 } },
    usageDialect: 'chat',
    bytesIn: 40_000,
    bytesOut: 800,
    price: { input: 0.27, cached_input: 0.07, output: 1.1 },
    routedBy: null,
    headers: codexHeaders(),
    ...overrides,
  }
}

/** A Codex tool loop: four requests in one turn, written to the home's usage.db. */
function seedToolLoop(): ReturnType<typeof freshHomes> {
  const homes = freshHomes('usage-cli')
  const ledger = openLedger({ path: join(homes.CODEX_SHIM_HOME, 'usage.db') })
  for (let index = 0; index < 4; index++) ledger.append(rowOf(finished(index)))
  ledger.close()
  return homes
}

const oneTaskCost = 4 * ((4000 * 0.27 + 6000 * 0.07 + 200 * 1.1) / 1e6)

describe('codex-shim usage: ledger figures from usage.db, with the proxy down', () => {
  test('--by task: a Codex tool loop of 4 requests is 1 task with 4 requests', () => {
    const homes = seedToolLoop()
    const run = runCli(['usage', '--by', 'task'], homes)
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    const header = lines.findIndex((line) => line.startsWith('TASK'))
    expect(lines[header]).toMatch(/^TASK\s+STARTED\s+REQUESTS\s+ERRORS\s+INPUT\s+CACHED\s+OUTPUT\s+COST\s+WALL\s+MODELS$/)
    const tasks = lines.slice(header + 1)
    expect(tasks).toHaveLength(1)
    expect(tasks[0]).toMatch(/\s4\s+0\s+40,000\s+24,000\s+800\s+\$0\.0069\s+34\.0 s\s+deepseek-chat$/)
    expect(run.output).toContain('ChatGPT plan: codex-shim is not running')
    expect(run.output).not.toContain('\x1b[')

    const json = JSON.parse(runCli(['usage', '--by', 'task', '--json'], homes).stdout)
    expect(json).toMatchObject({ proxy_running: false, quota: null, byok: { by: 'task' } })
    expect(json.byok.rows).toHaveLength(1)
    expect(json.byok.rows[0]).toMatchObject({ requests: 4, errors: 0, input_tokens: 40_000, cached_input_tokens: 24_000, output_tokens: 800, reasoning_tokens: 200, wall_ms: 34_000 })
    expect(json.byok.rows[0].cost_usd).toBeCloseTo(oneTaskCost, 12)

    const csv = runCli(['usage', '--by', 'task', '--csv'], homes).stdout.trimEnd().split('\n')
    expect(csv[0]).toBe('task_key,started_at,requests,errors,input_tokens,cached_input_tokens,output_tokens,cost_usd,wall_ms,models')
    expect(csv).toHaveLength(2)
    expect(csv[1]).toMatch(/^[0-9a-f]{16},\d{4}-\d\d-\d\dT[^,]+Z,4,0,40000,24000,800,0\.00688\d*,34000,deepseek-chat$/)
  })

  test('by model (default): requests, errors, tokens, cache-hit ratio, median TTFT, cost', () => {
    const homes = seedToolLoop()
    const ledger = openLedger({ path: join(homes.CODEX_SHIM_HOME, 'usage.db') })
    ledger.append(rowOf(finished(5, { status: 502, errorCode: 'upstream_http', usage: null, ttftMs: null })))
    ledger.close()
    const run = runCli(['usage', '--since', '1h'], homes)
    expect(run.code).toBe(0)
    const lines = run.stdout.trimEnd().split('\n')
    const header = lines.findIndex((line) => line.startsWith('MODEL'))
    expect(lines[header]).toMatch(/^MODEL\s+PROVIDER\s+REQUESTS\s+ERRORS\s+INPUT\s+CACHED\s+OUTPUT\s+REASONING\s+CACHE HIT\s+TTFT P50\s+COST$/)
    expect(lines.slice(header + 1)).toHaveLength(1)
    expect(lines[header + 1]).toMatch(/^deepseek-chat\s+deepseek\s+5\s+1\s+40,000\s+24,000\s+800\s+200\s+60\.0%\s+650 ms\s+\$0\.0069$/)
    const csv = runCli(['usage', '--csv'], homes).stdout.trimEnd().split('\n')
    expect(csv[0]).toBe('model,provider,requests,errors,input_tokens,cached_input_tokens,output_tokens,reasoning_tokens,cache_hit_ratio,median_ttft_ms,cost_usd')
    expect(csv[1]).toStartWith('deepseek-chat,deepseek,5,1,40000,24000,800,200,0.6,650,0.00688')
  })

  test('ERRORS counts a stream that failed after its 200 (an error code, status 200), in the table and --json', () => {
    const homes = seedToolLoop()
    const ledger = openLedger({ path: join(homes.CODEX_SHIM_HOME, 'usage.db') })
    ledger.append(rowOf(finished(5, { status: 200, errorCode: 'server_error' })))
    ledger.append(rowOf(finished(6, { status: 502, errorCode: 'upstream_http', usage: null, ttftMs: null })))
    ledger.close()
    const lines = runCli(['usage', '--since', '1h'], homes).stdout.trimEnd().split('\n')
    const header = lines.findIndex((line) => line.startsWith('MODEL'))
    expect(lines[header + 1]).toMatch(/^deepseek-chat\s+deepseek\s+6\s+2\s/)
    for (const by of ['model', 'task']) {
      const json = JSON.parse(runCli(['usage', '--by', by, '--since', '1h', '--json'], homes).stdout)
      expect(json.byok.rows.map((row: { requests: number; errors: number }) => [row.requests, row.errors])).toEqual([[6, 2]])
    }
  })

  // Changed on purpose: this used to lead with the ChatGPT plan's error ("codex-shim is not running;
  // start it …") and exit 1. A new user who has sent no request yet has done nothing wrong.
  test('nothing recorded and the proxy down: says so plainly (where, and how rows get there), the plan second, exit 0', () => {
    const homes = freshHomes('usage-empty')
    const noFile = runCli(['usage'], homes)
    // The proxy has run once: usage.db exists, with no row in it.
    const created = freshHomes('usage-empty-file')
    openLedger({ path: join(created.CODEX_SHIM_HOME, 'usage.db') }).close()
    const emptyFile = runCli(['usage'], created)
    for (const [run, home] of [[noFile, homes], [emptyFile, created]] as const) {
      expect(run.code).toBe(0)
      const nothing = run.output.indexOf('Nothing recorded yet: no requests since ')
      const plan = run.output.indexOf('ChatGPT plan: codex-shim is not running')
      expect(nothing).toBeGreaterThanOrEqual(0)
      expect(plan).toBeGreaterThan(nothing)
      expect(run.output).toContain(`in ${join(home.CODEX_SHIM_HOME, 'usage.db')}. Requests through the proxy are recorded there as they finish.`)
      expect(run.output).not.toContain('start it with')
      expect(run.output).not.toContain('\x1b[')
    }
    const tasks = runCli(['usage', '--by', 'task', '--since', '1h'], homes)
    expect(tasks.code).toBe(0)
    expect(tasks.output).toContain('Nothing recorded yet: no Codex tasks since ')

    // --json: the same shape as ever, and the same exit code as the text.
    const json = runCli(['usage', '--json'], homes)
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout)).toEqual({ proxy_running: false, chatgpt_passthrough: false, quota: null, byok: { by: 'model', since: expect.any(String), rows: [] } })
  })

  test('bad usage exits 2 with one line naming the problem', () => {
    const homes = seedToolLoop()
    for (const [args, message] of [
      [['--since', 'soon'], '--since expects 30m, 1h, 7d'],
      [['--by', 'week'], '--by expects one of model, task, day'],
      [['--json', '--csv'], '--json and --csv: choose one'],
    ] as const) {
      const run = runCli(['usage', ...args], homes)
      expect(run.code).toBe(2)
      expect(run.output).toContain(message)
      expect(run.output).not.toMatch(/^\s+at /m)
    }
  })

  test('--help names the new options', () => {
    const run = runCli(['usage', '--help'], freshHomes('usage-help'))
    expect(run.code).toBe(0)
    for (const option of ['--since', '--by', '--csv', '--json']) expect(run.output).toContain(option)
  })
})

/** A stand-in for the daemon: the pid file names this (live) process, /health answers like the proxy with these plan figures. */
/**
 * A running proxy as `usage` finds it: the pid file, and `/health` on its port with the plan's figures.
 * Its own process, whose command line reads as a daemon's (`_serve`): `usage` asks only a recorded
 * pid that is still codex-shim's (a reused pid's port could be any program's).
 */
async function fakeDaemon(homes: { CODEX_SHIM_HOME: string }, figures: Record<string, unknown>): Promise<{ stop: () => void }> {
  const quota = { secondary: null, credits: null, active_limit: null, updated_at: new Date().toISOString(), ...figures }
  const script = `const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => Response.json({ ok: true, name: 'codex-shim', pid: process.pid, chatgpt_passthrough: true, chatgpt_quota: ${JSON.stringify(quota)} }) }); console.log(server.port)`
  const child = Bun.spawn([process.execPath, '-e', script, '_serve'], { stdout: 'pipe', stderr: 'inherit' })
  const reader = child.stdout.getReader()
  let text = ''
  while (!text.includes('\n')) {
    const { value, done } = await reader.read()
    if (done) throw new Error('the fake daemon exited before it listened')
    text += new TextDecoder().decode(value)
  }
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'), JSON.stringify({ pid: child.pid, host: '127.0.0.1', port: Number(text.trim()), version: 'test', started_at: new Date().toISOString(), settings: null }))
  return { stop: () => child.kill() }
}

describe('codex-shim usage with the proxy running', () => {
  test('the ChatGPT plan view stays, and the ledger table follows it', async () => {
    const homes = seedToolLoop()
    const fake = await fakeDaemon(homes, { primary: { used_percent: 42.5, window_minutes: 300, resets_at: null }, plan_type: 'plus' })
    try {
      const child = Bun.spawn([process.execPath, cli, 'usage'], { env: { ...process.env, ...homes }, stdout: 'pipe', stderr: 'pipe' })
      const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited])
      expect(code).toBe(0)
      const plan = stdout.indexOf('ChatGPT plan (plus)')
      const table = stdout.indexOf('Requests through the proxy since')
      expect(plan).toBeGreaterThanOrEqual(0)
      expect(stdout).toContain('42.5% used, 57.5% left (5-hour window)')
      expect(table).toBeGreaterThan(plan)
      expect(stdout.slice(table)).toMatch(/\ndeepseek-chat\s+deepseek\s+4\s+0\s+40,000/)
      const jsonChild = Bun.spawn([process.execPath, cli, 'usage', '--json'], { env: { ...process.env, ...homes }, stdout: 'pipe', stderr: 'pipe' })
      const json = JSON.parse(await new Response(jsonChild.stdout).text())
      expect(json).toMatchObject({ proxy_running: true, chatgpt_passthrough: true, quota: { primary: { used_percent: 42.5 }, plan_type: 'plus' }, byok: { by: 'model', rows: [{ requests: 4 }] } })
    } finally {
      fake.stop()
    }
  })

  test('an empty ledger with the plan\'s figures: the figures, then the ledger\'s note, exit 0 (text and --json)', async () => {
    const homes = freshHomes('usage-plan-only')
    const fake = await fakeDaemon(homes, { primary: { used_percent: 10, window_minutes: 300, resets_at: null }, plan_type: 'pro' })
    try {
      const child = Bun.spawn([process.execPath, cli, 'usage'], { env: { ...process.env, ...homes }, stdout: 'pipe', stderr: 'pipe' })
      const [stdout, code] = await Promise.all([new Response(child.stdout).text(), child.exited])
      expect(code).toBe(0)
      expect(stdout.indexOf('ChatGPT plan (pro)')).toBeGreaterThanOrEqual(0)
      expect(stdout.indexOf('Nothing recorded yet')).toBeGreaterThan(stdout.indexOf('10.0% used'))
      const jsonChild = Bun.spawn([process.execPath, cli, 'usage', '--json'], { env: { ...process.env, ...homes }, stdout: 'pipe', stderr: 'pipe' })
      const [json, jsonCode] = await Promise.all([new Response(jsonChild.stdout).text(), jsonChild.exited])
      expect(jsonCode).toBe(0)
      expect(JSON.parse(json)).toMatchObject({ proxy_running: true, quota: { plan_type: 'pro' }, byok: { rows: [] } })
    } finally {
      fake.stop()
    }
  })
})
