import { describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createHandler } from '../../src/server/app.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'
import { resetCursorServices } from '../../src/providers/cursor-agent.ts'

// POSIX: the fake is a shell script.

// A cursor-agent that never prints its first line (`system/init`, always the first line of a run:
// spec integrations §1.5) is stopped at the proxy's idle timeout (CODEX_SHIM_IDLE_TIMEOUT_MS,
// 1 s here), a 504 that says so, not left to the 30-minute run limit holding a slot.
const workspace = join(process.env.CODEX_SHIM_TEST_ROOT!, 'cursor-silent-start-ws')

describe('cursor-agent silent from the start', () => {
  test('a run with no output at all fails with a timeout status well before the 30-minute run limit', async () => {
    mkdirSync(workspace, { recursive: true })
    const pidFile = join(workspace, 'pid')
    Object.assign(process.env, { CURSOR_AGENT_BIN: join(import.meta.dir, '../fakes/cursor-agent/silent'), FAKE_PID_FILE: pidFile, FAKE_SLEEP: '30' })
    resetCursorServices()
    try {
      const handle = createHandler(testDeps(settingsFrom([{ slug: 'composer', model: 'composer-2.5', provider: 'cursor-agent', workspace }]), { idleTimeoutMs: 1000 }))
      const answer = handle(post('/v1/responses', { model: 'composer', stream: true, input: 'hi' })).then(async (response) => `HTTP ${response.status}: ${await response.text()}`)
      const outcome = await Promise.race([answer, Bun.sleep(6000).then(() => 'no answer after 6 s')])
      try { process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL') } catch {}
      await answer.catch(() => {})
      expect(outcome).toStartWith('HTTP 504: ')
      expect(outcome).toContain('cursor-agent was stopped: it wrote nothing in its first 1 s (CODEX_SHIM_IDLE_TIMEOUT_MS)')
    } finally {
      for (const key of ['CURSOR_AGENT_BIN', 'FAKE_PID_FILE', 'FAKE_SLEEP']) delete process.env[key]
      resetCursorServices()
    }
  }, 15_000)
})
