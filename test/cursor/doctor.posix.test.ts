import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { cursorSection } from '../../src/doctor/cursor.ts'

// POSIX: the fake cursor-agent is a script run by its shebang.

/** `doctor`'s Cursor section against the fake cursor-agent: binary, version, login, model count, a next step, no secret. */
const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')
const PLANTED = 'crsr_planted0123456789abcdefSECRET'
const envWith = (extra: Record<string, string>) => ({ ...process.env, CURSOR_AGENT_BIN: fake, CURSOR_API_KEY: PLANTED, ...extra })
const byName = (section: Awaited<ReturnType<typeof cursorSection>>) => Object.fromEntries(section.checks.map((check) => [check.name, check]))

describe('doctor: Cursor subscription', () => {
  test('logged in: the binary and its version, the (masked) account, the model count; no token', async () => {
    const section = await cursorSection(envWith({}))
    const checks = byName(section)
    expect(checks['cursor-agent']).toEqual({ status: 'ok', name: 'cursor-agent', detail: `${fake} (2026.07.08-fake000)` })
    expect(checks.login).toEqual({ status: 'ok', name: 'login', detail: 'logged in as d…@example.com' })
    expect(checks.models!.status).toBe('ok')
    expect(checks.models!.detail).toStartWith('5 listed as cursor-<id> (cursor-auto, cursor-composer-2.5,')
    expect(JSON.stringify(section)).not.toContain(PLANTED)
    expect(JSON.stringify(section)).not.toContain('dev@example.com')
  })

  test.each([
    ['logged-out', 'not logged in: run `cursor-agent login`'],
    ['degraded', 'run `cursor-agent logout`, then `cursor-agent login`'],
    ['garbled', 'unknown: cursor-agent status printed text codex-shim does not recognise.'],
  ])('status %s: a warning with the next step; models only when the listing itself answers', async (state, step) => {
    const checks = byName(await cursorSection(envWith({ FAKE_CURSOR_STATUS: state })))
    expect(checks.login!.status).toBe('warn')
    expect(checks.login!.detail).toContain(step)
    // Garbled status text is not "logged out": the listing still answers, so the models count.
    expect(checks.models!.status).toBe(state === 'garbled' ? 'ok' : 'warn')
  })

  test('a bad concurrency variable fails the section, naming it (every Cursor run would fail)', async () => {
    const checks = byName(await cursorSection(envWith({ CODEX_SHIM_CURSOR_CONCURRENCY: 'two' })))
    expect(checks.limits!.status).toBe('fail')
    expect(checks.limits!.detail).toContain('CODEX_SHIM_CURSOR_CONCURRENCY')
    expect(byName(await cursorSection(envWith({}))).limits).toBeUndefined()
  })

  test('not installed: information (Cursor is optional) with the install step', async () => {
    const section = await cursorSection({ ...process.env, CURSOR_AGENT_BIN: '/nonexistent/cursor-agent' })
    expect(section.checks).toEqual([{ status: 'info', name: 'cursor-agent', detail: expect.stringContaining('CURSOR_AGENT_BIN (/nonexistent/cursor-agent) does not exist') }])
    expect(section.checks[0]!.detail).toContain('curl https://cursor.com/install')
  })

  test('turned off by CODEX_SHIM_DISABLE_CURSOR: says so and probes nothing', async () => {
    const section = await cursorSection(envWith({ CODEX_SHIM_DISABLE_CURSOR: 'true' }))
    expect(section.checks).toEqual([{ status: 'info', name: 'cursor-agent', detail: 'turned off by CODEX_SHIM_DISABLE_CURSOR' }])
  })
})
