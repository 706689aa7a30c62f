/**
 * Which model `enable` and `model use` write, and what else they keep: a
 * ChatGPT-only user (no models configured) gets the plan's default model and
 * is told so; `model use` keeps the address `enable --host` wrote; the
 * provider's display name follows the model (never "OpenAI").
 */
import TOML from '@iarna/toml'
import { afterAll, describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { applyManagedBlock, managedHost, managedProviderName, providerDisplayName } from '../../src/codex/config-block.ts'
import { startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'
import { freshHomes } from '../support/cli.ts'

const cli = join(import.meta.dir, '../../src/cli.ts')
const fake = startFakeChatgpt({
  models: [
    { slug: 'gpt-5.4-mini', display_name: 'GPT-5.4 mini', visibility: 'list', priority: 7 },
    { slug: 'gpt-5.5', display_name: 'GPT-5.5', visibility: 'list', priority: 1 },
    { slug: 'codex-internal', display_name: 'Hidden', visibility: 'hide', priority: 0 },
  ],
})
afterAll(() => fake.close())

/** The CLI as a child process, awaited (a synchronous spawn would block the fake backend in this process). */
async function run(args: string[], env: Record<string, string>) {
  const child = Bun.spawn([process.execPath, cli, ...args], { env: { ...process.env, ...env, CODEX_SHIM_CHATGPT_BASE_URL: fake.base }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { code, output: stdout + stderr, stdout }
}

const providerOf = (config: string) => (TOML.parse(readFileSync(config, 'utf8')).model_providers as Record<string, { name: string; base_url: string }>).codex_shim!

describe('a ChatGPT-only user', () => {
  test("enable with no models configured picks the plan's default model and says which", async () => {
    const homes = freshHomes('chatgpt-only')
    writeAuth(join(homes.CODEX_HOME, 'auth.json'), { access: fake.validAccess, refresh: 'rt-1' })
    const enabled = await run(['enable'], homes)
    expect(enabled.code).toBe(0)
    expect(enabled.output).toContain("No models configured: using your ChatGPT plan's default model, gpt-5.5.")
    const config = join(homes.CODEX_HOME, 'config.toml')
    expect(TOML.parse(readFileSync(config, 'utf8')).model).toBe('gpt-5.5')
    expect(providerOf(config).name).toBe('GPT-5.5')

    // model use takes the plan's models too, and the list shows them.
    expect((await run(['model', 'use', 'gpt-5.4-mini'], homes)).code).toBe(0)
    expect(TOML.parse(readFileSync(config, 'utf8')).model).toBe('gpt-5.4-mini')
    expect(providerOf(config).name).toBe('GPT-5.4 mini')
    expect(JSON.parse((await run(['model', 'list', '--json'], homes)).stdout)).toEqual({ current: 'gpt-5.4-mini', models: ['gpt-5.4-mini', 'gpt-5.5', 'codex-internal'] })
  })

  test('with neither models nor a login, enable fails naming both ways out', async () => {
    const homes = freshHomes('nothing')
    const enabled = await run(['enable'], homes)
    expect(enabled.code).toBe(1)
    expect(enabled.output).toContain('No models configured')
    expect(enabled.output).toContain('codex login')
  })
})

describe('model use keeps what enable wrote', () => {
  test('a custom --host survives model use', async () => {
    const homes = freshHomes('host')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [
      { slug: 'kimi', display_name: 'Kimi K2.6', model: 'kimi-k2.6', provider: 'ollama' },
      { slug: 'plain', display_name: 'OpenAI', model: 'plain', provider: 'ollama' },
    ] }))
    const config = join(homes.CODEX_HOME, 'config.toml')
    expect((await run(['enable', '--host', '192.168.1.20', '--port', '9123'], homes)).code).toBe(0)
    expect(providerOf(config)).toMatchObject({ base_url: 'http://192.168.1.20:9123/v1', name: 'Kimi K2.6' })
    expect((await run(['model', 'use', 'plain'], homes)).code).toBe(0)
    // Before the fix the block went back to 127.0.0.1 (and the default port's host) here.
    expect(providerOf(config)).toMatchObject({ base_url: 'http://192.168.1.20:9123/v1', name: 'Codex Shim' })
    expect(TOML.parse(readFileSync(config, 'utf8')).model).toBe('plain')
  })
})

describe('the provider block', () => {
  test('an IPv6 host round-trips; the display name never says OpenAI and never breaks a line', () => {
    const text = applyManagedBlock('', { model: 'm', port: 8765, host: '::1', catalogPath: '/c.json', providerName: 'Line\none' })
    expect(managedHost(text)).toBe('::1')
    expect(managedProviderName(text)).toBe('Line one')
    expect(providerDisplayName('openai')).toBe('Codex Shim')
    expect(providerDisplayName('OpenAI')).toBe('Codex Shim')
    expect(providerDisplayName(undefined)).toBe('Codex Shim')
    expect(providerDisplayName('  GLM 4.6 ')).toBe('GLM 4.6')
    expect(managedHost(applyManagedBlock('', { model: 'm', port: 1, catalogPath: '/c.json' }))).toBe('127.0.0.1')
  })
})

describe('list never prints a secret in a base URL (#11 item 7.12)', () => {
  test('userinfo and key-like query values are masked in list and list --json', async () => {
    const homes = freshHomes('list-redact')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [
      { slug: 'glm', model: 'glm-4.6', provider: 'generic-chat-completion-api', base_url: 'https://user:hunter2-secret@example.com/v1?key=sk-planted-url-key&region=eu' },
    ] }))
    const plain = await run(['list'], homes)
    const json = await run(['list', '--json'], homes)
    for (const output of [plain.output, json.output]) {
      expect(output).not.toContain('hunter2-secret')
      expect(output).not.toContain('sk-planted-url-key')
      expect(output).toContain('example.com/v1')
    }
    expect(JSON.parse(json.stdout)[0].base_url).toMatch(/^https:\/\/[^@]+@example\.com\/v1\?key=[^&]+&region=/)
  })
})

describe('list names what the router picks among', () => {
  test('the router row has no upstream of its own; it names its candidates', async () => {
    const homes = freshHomes('list-router')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({
      models: [
        { slug: 'cheap', model: 'c', provider: 'ollama' },
        { slug: 'strong', model: 's', provider: 'ollama' },
      ],
      router: { enabled: true, slug: 'codex-auto', classifier: 'cheap', default: 'cheap', threshold: 0.7, candidates: [{ slug: 'cheap', cost: 0.1, card: 'small' }, { slug: 'strong', cost: 5, card: 'big' }] },
    }))
    const json = JSON.parse((await run(['list', '--json'], homes)).stdout) as Record<string, unknown>[]
    expect(json.find((entry) => entry.slug === 'codex-auto')).toMatchObject({ provider: 'router', model: null, base_url: null, routes_among: ['cheap', 'strong'] })
    expect((await run(['list'], homes)).stdout).toMatch(/codex-auto .* picks among cheap, strong/)
  })
})

test('on/off switches read 1, true, yes and on alike', async () => {
  const { envFlag } = await import('../../src/env-flag.ts')
  const { routerEnabled } = await import('../../src/routing/router-settings.ts')
  const { allowsCursorApiKey } = await import('../../src/cursor/child-env.ts')
  for (const value of ['1', 'true', 'YES', ' on ']) expect(envFlag(value)).toBe(true)
  for (const value of [undefined, '', '0', 'false', 'off', 'no']) expect(envFlag(value)).toBe(false)
  expect(routerEnabled({ enabled: true } as never, { CODEX_SHIM_DISABLE_ROUTER: 'true' })).toBe(false)
  expect(allowsCursorApiKey({ CODEX_SHIM_CURSOR_USE_API_KEY: 'yes' })).toBe(true)
})
