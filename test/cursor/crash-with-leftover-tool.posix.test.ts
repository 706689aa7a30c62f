import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeBody } from '../../src/canonical/decode.ts'
import type { ResponsesEvent, ResponsesRequest } from '../../src/canonical/types.ts'
import { createCursorServices, openCursorTurn } from '../../src/cursor/turn.ts'
import { environmentContext } from '../cursor/_requests.ts'

// POSIX: the fake is a shell script that backgrounds a `sleep`.

// cursor-agent crashes mid-stream (exit 1, no `result`) while a tool it started still holds the
// shim's stdout or stderr pipe: the client hears the crash soon after the exit, not when the
// leftover ends, and the concurrency slot is free again.
const fake = join(import.meta.dir, '../fakes/cursor-agent/crash-leftover')
const project = mkdtempSync(join(tmpdir(), 'cursor-crash-leftover-'))
const request: ResponsesRequest = { model: 'cursor-composer-2.5', input: [environmentContext(project), { type: 'message', role: 'user', content: 'hi' }] }

async function run(hold: 'stdout' | 'stderr') {
  const pidFile = join(project, `${hold}.pid`)
  const services = createCursorServices({ ...process.env, CURSOR_AGENT_BIN: fake, FAKE_HOLD: hold, FAKE_PID_FILE: pidFile, FAKE_SLEEP: '20', CODEX_SHIM_CURSOR_MAX_RUN_MS: '60000', CODEX_SHIM_CURSOR_CONCURRENCY: '1' })
  const turn = await openCursorTurn(request, { slug: 'cursor-composer-2.5', threadId: null, signal: new AbortController().signal, killGraceMs: 100 }, services)
  const reader = decodeBody(turn.stdout, turn.decoder, { format: 'ndjson', idleTimeoutMs: 0, onAbort: turn.cancel, endAfterTerminal: true }).events().getReader()
  const events: ResponsesEvent[] = []
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return 'ended'
      events.push(value)
    }
  })()
  // The leftover sleeps 20 s and the run limit is a minute: only the drain after the exit (1 s) ends it in time.
  const outcome = await Promise.race([done, Bun.sleep(5000).then(() => 'still open after 5 s')])
  const active = services.limiter.active
  const terminal = events.at(-1) as { type: string; response?: { error?: { message?: string } } } | undefined
  const last = terminal?.type ?? 'no terminal event'
  const reason = terminal?.response?.error?.message ?? ''
  const leftover = Number(readFileSync(pidFile, 'utf8'))
  try { process.kill(leftover, 'SIGKILL') } catch {}
  await done.catch(() => {})
  return { outcome, last, active, reason }
}

describe('cursor-agent crashes while a tool it started holds a pipe', () => {
  test('holding stdout: response.failed with the stderr reason, and the slot is free', async () => {
    const result = await run('stdout')
    expect(result).toEqual({ outcome: 'ended', last: 'response.failed', active: 0, reason: 'cursor-agent exited with code 1: Error: socket hang up (ECONNRESET).' })
  }, 15_000)

  test('holding stderr only: response.failed with the stderr reason, and the slot is free', async () => {
    const result = await run('stderr')
    expect(result).toEqual({ outcome: 'ended', last: 'response.failed', active: 0, reason: 'cursor-agent exited with code 1: Error: socket hang up (ECONNRESET).' })
  }, 15_000)
})
