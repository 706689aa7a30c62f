import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'
import { expectMode } from '../support/file-mode.ts'

const model = (extra = {}) => ({ slug: 'fake', model: 'fake-model', provider: 'ollama', ...extra })

describe('settings errors', () => {
  test('bad settings: the file, each field path, what was expected; exit 2; no stack trace', () => {
    const homes = freshHomes('bad')
    const file = join(homes.CODEX_SHIM_HOME, 'models.json')
    writeFileSync(file, JSON.stringify({ models: [model(), model({ slug: 'b', provider: 'openia' }), model({ slug: 'c', max_context_limit: 'big' })] }))
    const run = runCli(['list'], homes)
    expect(run.code).toBe(2)
    expect(run.output).toContain(`Invalid settings in ${file}`)
    expect(run.output).toContain('models[1].provider: expected one of openai')
    expect(run.output).toContain('models[2].max_context_limit: expected max_context_limit as a whole number of tokens')
    expect(run.output).not.toMatch(/^\s+at /m)
  })

  test('--settings pointing at a missing file is an error; a missing default file is not', () => {
    const homes = freshHomes('missing')
    expect(runCli(['list', '--settings', '/nope/models.json'], homes).code).toBe(2)
    const run = runCli(['list'], homes)
    expect(run.code).toBe(1)
    expect(run.output).toContain('No models configured')
    expect(run.output).toContain('codex login')
  })
})

describe('daemon lifecycle', () => {
  test('start, status, second start, /health, stop, status', async () => {
    const homes = freshHomes('life')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [model()] }))
    const port = String(freePort())
    try {
      const start = runCli(['start', '--port', port], homes)
      expect(start.code).toBe(0)
      expect(start.output).toContain(`started`)
      expect(start.output).toContain(`Control page: http://127.0.0.1:${port}/ (or run \`codex-shim ui\`)`)
      const status = runCli(['status', '--json'], homes)
      expect(status.code).toBe(0)
      expect(JSON.parse(status.stdout)).toMatchObject({ running: true, port: Number(port), health: { models: 1 } })
      const again = runCli(['start', '--port', port], homes)
      expect(again.code).toBe(0)
      expect(again.output).toContain('already running')
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as any
      expect(health.ok).toBe(true)
      expect(runCli(['stop'], homes).code).toBe(0)
      const after = runCli(['status'], homes)
      expect(after.code).toBe(1)
      expect(after.output).toContain('not running')
      expect(existsSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'))).toBe(false)
    } finally {
      runCli(['stop'], homes)
    }
  })

  test('a port taken by another program is a clear error', () => {
    const blocker = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('not us') })
    try {
      const run = runCli(['start', '--port', String(blocker.port)], freshHomes('taken'))
      expect(run.code).toBe(1)
      expect(run.output).toContain(`Port ${blocker.port} is already in use by another program`)
    } finally {
      blocker.stop(true)
    }
  })

  test('binding beyond loopback without a token is refused', () => {
    const run = runCli(['start', '--foreground', '--host', '0.0.0.0', '--port', String(freePort())], freshHomes('expose'))
    expect(run.code).toBe(1)
    expect(run.output).toContain('without a token')
  })

  test('--port must be a number', () => {
    const run = runCli(['start', '--port', 'abc'], freshHomes('port'))
    expect(run.code).toBe(2)
    expect(run.output).toContain('--port expects a number')
  })
})

describe('Codex config commands', () => {
  const original = '# my config\nmodel = "gpt-5.5" # keep me\napproval_policy = "on-request"\n\n[tui]\nnotifications = true\n'

  test('enable writes the block atomically with a backup and the file mode kept; disable restores it byte for byte', () => {
    const homes = freshHomes('enable')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [model(), model({ slug: 'other' })] }))
    const config = join(homes.CODEX_HOME, 'config.toml')
    writeFileSync(config, original)
    chmodSync(config, 0o640)
    expect(runCli(['enable'], homes).code).toBe(0)
    const enabled = readFileSync(config, 'utf8')
    expect(enabled).toContain('model = "fake"')
    expect(enabled).toContain('[model_providers.codex_shim]')
    expectMode(config, 0o640)
    expect(readFileSync(`${config}.codex-shim.bak`, 'utf8')).toBe(original)
    expect(runCli(['enable'], homes).output).toContain('already uses codex-shim')

    expect(runCli(['model', 'use', 'other'], homes).code).toBe(0)
    expect(JSON.parse(runCli(['model', 'list', '--json'], homes).stdout)).toEqual({ current: 'other', models: ['fake', 'other'] })
    // A name no model answers to is bad usage, as an unknown flag is (exit 2).
    const unknown = runCli(['model', 'use', 'nope'], homes)
    expect(unknown.code).toBe(2)
    expect(runCli(['enable', '-m', 'nope'], homes).code).toBe(2)
    expect(unknown.output).toContain('Unknown model "nope". Valid slugs: fake, other.')

    expect(runCli(['disable'], homes).code).toBe(0)
    expect(readFileSync(config, 'utf8')).toBe(original)
    expect(runCli(['disable'], homes).output).toContain('nothing to do')
  })

  test('generate writes the catalog and snippet without secrets', () => {
    const homes = freshHomes('generate')
    const secret = 'sk-generate-planted-secret'
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [model({ api_key: secret })] }))
    expect(runCli(['generate'], homes).code).toBe(0)
    for (const file of ['model_catalog.json', 'codex-provider.toml']) {
      const text = readFileSync(join(homes.CODEX_SHIM_HOME, file), 'utf8')
      expect(text).not.toContain(secret)
      expect(text).toContain('fake')
    }
  })
})

describe('doctor', () => {
  test('never prints a planted secret, and reports key presence and token expiry', () => {
    const homes = freshHomes('doctor')
    const secrets = ['sk-doctor-inline-secret', 'sk-doctor-env-secret', 'access-token-planted', 'refresh-token-planted']
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [
      model({ slug: 'inline', api_key: secrets[0] }),
      { slug: 'env', model: 'm', provider: 'openai', api_key_env: 'DOCTOR_KEY' },
      { slug: 'unset', model: 'm', provider: 'openai', api_key_env: 'DOCTOR_MISSING_KEY' },
    ] }))
    const payload = Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) - 600, sub: secrets[2] })).toString('base64url')
    writeFileSync(join(homes.CODEX_HOME, 'auth.json'), JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: `e30.${payload}.sig-${secrets[2]}`, refresh_token: secrets[3], account_id: 'acct' } }))
    const before = readFileSync(join(homes.CODEX_HOME, 'auth.json'), 'utf8')
    for (const args of [['doctor'], ['doctor', '--json']]) {
      const run = runCli(args, { ...homes, DOCTOR_KEY: secrets[1]! })
      for (const secret of secrets) expect(run.output).not.toContain(secret)
      expect(run.code).toBe(1) // the unset key is a FAIL
      if (args.length === 2) {
        const report = JSON.parse(run.stdout)
        const checks = report.sections.flatMap((s: any) => s.checks)
        expect(checks.find((c: any) => c.name === 'unset').status).toBe('fail')
        expect(checks.find((c: any) => c.name === 'env').detail).toContain('$DOCTOR_KEY set')
        expect(checks.find((c: any) => c.name === 'access token').detail).toMatch(/expired 10 min ago/)
      }
    }
    // Read-only: nothing written.
    expect(readFileSync(join(homes.CODEX_HOME, 'auth.json'), 'utf8')).toBe(before)
    expect(existsSync(join(homes.CODEX_HOME, 'config.toml'))).toBe(false)
    expect(existsSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'))).toBe(false)
  })
})

test('enable with CODEX_SHIM_TOKEN set: Codex is told to send it from its environment; model use without it keeps that', () => {
  const homes = freshHomes('enable-token')
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'openai', api_key_env: 'OPENAI_API_KEY' }, { slug: 'other', model: 'o', provider: 'openai', api_key_env: 'OPENAI_API_KEY' }] }))
  expect(runCli(['enable'], { ...homes, CODEX_SHIM_TOKEN: 'tok-secret-123456' }).code).toBe(0)
  const config = join(homes.CODEX_HOME, 'config.toml')
  const enabled = readFileSync(config, 'utf8')
  expect(enabled).toContain('env_key = "CODEX_SHIM_TOKEN"')
  expect(enabled).not.toContain('experimental_bearer_token')
  expect(enabled).not.toContain('tok-secret-123456') // the token itself never goes into the file
  const { CODEX_SHIM_TOKEN: _unset, ...withoutToken } = process.env
  expect(runCli(['model', 'use', 'other'], { ...withoutToken, ...homes } as Record<string, string>).code).toBe(0)
  expect(readFileSync(config, 'utf8')).toContain('env_key = "CODEX_SHIM_TOKEN"')
})
