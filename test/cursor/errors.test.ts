import { describe, expect, test } from 'bun:test'
import { classifyCursorExit, stderrExcerpt } from '../../src/cursor/errors.ts'

const base = { model: 'composer-2.5', models: ['auto', 'composer-2.5'] }

describe('cursor exit classification', () => {
  test('exit 0 is success', () => {
    expect(classifyCursorExit({ ...base, exitCode: 0, stderr: '' })).toBeNull()
  })

  test.each([
    "Error: Authentication required. Please run 'agent login' first, or set CURSOR_API_KEY environment variable.",
    'Not logged in',
    'ConnectError: [unauthenticated] Invalid session',
  ])('auth failure %p → auth_expired with the login hint', (stderr) => {
    const error = classifyCursorExit({ ...base, exitCode: 1, stderr })!
    expect(error.kind).toBe('auth_expired')
    expect(error.message).toContain('cursor-agent login')
  })

  test('an invalid model → bad_request naming the model and the available ones', () => {
    const error = classifyCursorExit({ model: 'gpt-9', exitCode: 1, stderr: 'Cannot use this model: gpt-9. Available models: auto, composer-2.5' })!
    expect(error.kind).toBe('bad_request')
    expect(error.message).toContain('"gpt-9"')
    expect(error.message).toContain('auto, composer-2.5')
  })

  test('an untrusted workspace → config error with a next step', () => {
    expect(classifyCursorExit({ ...base, exitCode: 1, stderr: 'Workspace Trust Required' })!.kind).toBe('config')
  })

  test('other failures → upstream_stream with a bounded stderr excerpt', () => {
    const error = classifyCursorExit({ ...base, exitCode: 3, stderr: `${'noise\n'.repeat(500)}Error: socket hang up` })!
    expect(error.kind).toBe('upstream_stream')
    expect(error.message).toMatch(/^cursor-agent exited with code 3: …/)
    expect(error.message).toEndWith('Error: socket hang up.')
    expect(error.message.length).toBeLessThan(600)
  })

  test('a run we stopped says why', () => {
    const error = classifyCursorExit({ ...base, exitCode: null, stderr: '', killedBecause: 'it ran longer than 30 min' })!
    expect(error.kind).toBe('upstream_timeout')
    expect(error.message).toBe('cursor-agent was stopped: it ran longer than 30 min.')
  })

  test('the excerpt never carries the prompt or a credential', () => {
    const prompt = '[USER]\nmy secret plan for the launch of project zebra'
    const stderr = 'Error: bad input near: my secret plan for the launch of project zebra\nmy secret plan for the launch of project zebra\nAuthorization: Bearer abc.def.ghi\napi_key=key_0123456789abcdef0123'
    const excerpt = stderrExcerpt(stderr, prompt)
    expect(excerpt).not.toContain('zebra')
    expect(excerpt).toContain('[prompt text removed]')
    expect(excerpt).not.toContain('abc.def.ghi')
    expect(excerpt).not.toContain('0123456789abcdef')
  })

  test.each([
    ['access_token=', 'Error: refresh failed access_token=eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig'],
    ['a JSON "token"', 'request failed {"token":"opaque-session-value-0123456789"}'],
    ['a camelCase name', 'accessToken: opaque-session-value-0123456789'],
    ['Basic authorization', 'Proxy-Authorization: Basic YWxpY2U6cHJveHktcGFzc3dvcmQ='],
    ['a bare JWT', 'session eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0 expired'],
  ])('%s: the credential is removed', (_shape, stderr) => {
    const excerpt = stderrExcerpt(stderr)
    for (const secret of ['eyJhbGciOiJIUzI1NiJ9', 'opaque-session-value-0123456789', 'YWxpY2U6cHJveHktcGFzc3dvcmQ=']) expect(excerpt).not.toContain(secret)
    expect(excerpt).toContain('[redacted]')
  })

  test('a prompt echoed inside a JSON string (its lines joined by \\n) is removed too', () => {
    const prompt = '[USER]\nDeploy with these:\nDB_PASSWORD=hunter2hunter2\nthen run the migration on staging'
    const excerpt = stderrExcerpt('Error: request rejected: {"prompt":"Deploy with these:\\nDB_PASSWORD=hunter2hunter2\\nthen run the migration on staging"}', prompt)
    expect(excerpt).toBe('[prompt text removed]')
  })
})
