import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { probeCursorStatus } from '../../src/cursor/status.ts'

// POSIX: the fake cursor-agent is a script run by its shebang.
const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')

describe('cursor status probe (fake cursor-agent)', () => {
  test.each([
    ['logged-in', 'logged-in'],
    ['ansi', 'logged-in'],
    ['logged-out', 'logged-out'],
    ['logged-out-stderr', 'logged-out'],
    ['degraded', 'degraded'],
    ['garbled', 'unknown'],
  ])('FAKE_CURSOR_STATUS=%s → %s (exit code ignored)', async (mode, state) => {
    const status = await probeCursorStatus(fake, { env: { ...process.env, FAKE_CURSOR_STATUS: mode } })
    expect(status.state).toBe(state as never)
  })

  test('a status that never answers is unknown after the timeout (the probe kills it; the test would hang otherwise)', async () => {
    const status = await probeCursorStatus(fake, { env: { ...process.env, FAKE_CURSOR_STATUS: 'hang' }, timeoutMs: 300 })
    expect(status).toEqual({ state: 'unknown', detail: 'cursor-agent status did not answer within 300 ms.', timedOut: true })
  })

  test('a missing binary is unknown, not a throw', async () => {
    expect((await probeCursorStatus('/nonexistent/cursor-agent')).state).toBe('unknown')
  })
})
