import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadBundledCatalog } from '../../src/codex/bundled.ts'
import { backendEvents, makeJwt, nowS, startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'
import type { Json } from '../fakes/chat-upstream.ts'
import { runCli, freePort } from '../support/cli.ts'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'

/**
 * The real Codex CLI spends the ChatGPT plan through the shim: no API key,
 * only the login in auth.json, whose access token has expired. Afterwards a
 * real Codex sharing the same CODEX_HOME still reads the refreshed file.
 */
const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-chatgpt')
const port = freePort()
const fake = startFakeChatgpt()
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  CODEX_SHIM_HOME: join(root, 'shim-home'),
  CODEX_HOME: join(root, 'codex-home'),
  CODEX_SHIM_CHATGPT_BASE_URL: fake.base,
  CODEX_REFRESH_TOKEN_URL_OVERRIDE: fake.tokenUrl,
}
const authPath = join(env.CODEX_HOME!, 'auth.json')

beforeAll(async () => {
  mkdirSync(env.CODEX_SHIM_HOME!, { recursive: true })
  mkdirSync(env.CODEX_HOME!, { recursive: true })
  // The backend describes gpt-5.5 as the installed Codex does (classic request shape).
  const bundled = (await loadBundledCatalog())!.models.find((model) => model.slug === 'gpt-5.5')!
  fake.models = [bundled]
  writeAuth(authPath, { access: makeJwt({ exp: nowS() - 600 }), refresh: 'rt-e2e-original' }, { keep_me: 'yes' })
  fake.respond = (body: Json) => {
    const answered = body.input.some((item: Json) => item.type === 'function_call_output')
    return { kind: 'events', events: answered ? backendEvents('CHATGPT-DONE') : backendEvents('Running it.', { id: 'call_gpt', cmd: 'echo via-subscription > sub.txt' }) }
  }
})

afterAll(async () => {
  await stopDaemon(env)
  fake.close()
})

describe('codex exec through the ChatGPT passthrough (real Codex CLI)', () => {
  // The shim's own refresh (fields kept, 0600, one redemption under concurrency) is covered against the
  // same fakes in test/chatgpt/passthrough.test.ts. Here Codex, which shares auth.json, refreshes first at
  // start-up; with a login it cannot refresh, Codex 0.169 stops on its own ChatGPT features before any request.
  async function codexExec(name: string) {
    const { code, stdout, stderr, dir } = await runCodexExec({ env, port, prompt: 'make sub.txt', cwd: clientDir('e2e-chatgpt', name), codexArgs: ['-m', 'gpt-5.5'] })
    expect({ code, stderr: code ? stderr.slice(-4000) : '' }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toContain('CHATGPT-DONE')
    expect(readFileSync(join(dir, 'sub.txt'), 'utf8').trim()).toBe('via-subscription')
  }

  test('a shell-tool loop completes from an expired token; Codex refreshes at start-up and the shim uses its tokens, redeeming nothing twice', async () => {
    await codexExec('work-1')
    // Codex shares auth.json and refreshed first; the shim re-read the file at request time.
    expect(fake.refreshes.map((r) => String(r._user_agent).split('/')[0])).toEqual(['codex_exec'])
    expect(fake.requests.length).toBeGreaterThanOrEqual(2)
    for (const request of fake.requests) expect(request.headers.authorization).toBe(`Bearer ${fake.validAccess}`)
  })

  test('codex-shim usage shows the figures the backend sent', () => {
    const json = runCli(['usage', '--json'], env)
    expect(json.code).toBe(0)
    expect(JSON.parse(json.stdout).quota).toMatchObject({ primary: { used_percent: 42.5, window_minutes: 300 }, secondary: { used_percent: 12 }, plan_type: 'plus' })
    const text = runCli(['usage'], env)
    expect(text.stdout).toContain('42.5% used, 57.5% left (5-hour window')
    expect(text.stdout).toContain('1-week window')
  })

  test('a real Codex sharing the same CODEX_HOME still accepts the refreshed auth.json', () => {
    const status = Bun.spawnSync(['codex', 'login', 'status'], { env, stdout: 'pipe', stderr: 'pipe' })
    expect(status.exitCode).toBe(0)
    expect(status.stdout.toString() + status.stderr.toString()).toMatch(/ChatGPT/i)
  })
})
