import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { parseSettings } from '../../src/settings/load.ts'
import { MISSING_SESSION_BODY, startFakeOpencodeGo, type FakeGoModel } from '../fakes/opencode-go.ts'
import { freshHome, spawnCommand } from './_spawn.ts'
import { posixTest } from '../support/platform-tests.ts'

const KEY = 'sk-ocgo-planted-secret-0123456789'

const CATALOG: FakeGoModel[] = [
  { id: 'glm-5', chat: 'ok', messages: 'reject' },
  { id: 'minimax-m2.5', chat: 'reject', messages: 'ok' },
  { id: 'kimi-k2.5', chat: 'ok', messages: 'ok' },
  { id: 'busy-1', chat: 'rate-limit', messages: 'server-error' },
  { id: 'slow-1', chat: 'hang', messages: 'hang' },
  { id: 'broken-1', chat: 'reject', messages: 'reject' },
]

const fake = startFakeOpencodeGo({ key: KEY, models: CATALOG })
afterAll(() => fake.close())

const generated = (extra: Record<string, unknown>) => ({ api_key_env: 'OPENCODE_GO_API_KEY', generated_by: 'opencode-go', ...extra })

/** A user's file: their own rows around two earlier generated ones, and keys we do not own. */
const ORIGINAL = {
  $schema: 'https://example.invalid/models.schema.json',
  models: [
    { slug: 'mine', model: 'deepseek-chat', provider: 'openai', base_url: 'https://api.deepseek.com/v1', api_key_env: 'DEEPSEEK_API_KEY', display_name: 'Mine' },
    generated({ slug: 'ocgo-busy-1', model: 'busy-1', display_name: 'Busy, from last time', provider: 'generic-chat-completion-api', base_url: 'https://opencode.ai/zen/go/v1' }),
    generated({ slug: 'ocgo-gone-1', model: 'gone-1', display_name: 'OpenCode Go Gone 1', provider: 'anthropic', base_url: 'https://opencode.ai/zen/go/v1' }),
    { model: 'llama3', provider: 'ollama' },
  ],
  aliases: { fast: { slug: 'mine' } },
  launch_models: ['mine'],
  zzz_custom: { keep: true, order: [3, 2, 1] },
}

function setup(name: string, models = CATALOG) {
  fake.models = models
  const { home, settings } = freshHome(name)
  writeFileSync(settings, `${JSON.stringify(ORIGINAL, null, 2)}\n`)
  const env = { CODEX_SHIM_HOME: home, OPENCODE_GO_API_KEY: KEY, OPENCODE_GO_BASE_URL: fake.url }
  const refresh = (...args: string[]) => spawnCommand(['opencode-go', 'refresh', '--yes', '--timeout', '0.5', ...args], env)
  return { home, settings, env, refresh }
}

const since = (start: number) => fake.requests.slice(start)

describe('opencode-go refresh against a fake OpenCode Go', () => {
  test('writes ocgo-* rows with the right provider, keeps every other row and key in order, and never the key', async () => {
    const { settings, refresh } = setup('write')
    const start = fake.requests.length
    const run = await refresh()
    expect(run.code).toBe(0)

    const text = readFileSync(settings, 'utf8')
    const written = JSON.parse(text)
    expect(Object.keys(written)).toEqual(['$schema', 'models', 'aliases', 'launch_models', 'zzz_custom'])
    expect(written).toEqual({
      ...ORIGINAL,
      models: [
        ORIGINAL.models[0],
        generated({ slug: 'ocgo-glm-5', model: 'glm-5', display_name: 'OpenCode Go GLM 5', provider: 'generic-chat-completion-api', base_url: fake.url }),
        generated({ slug: 'ocgo-minimax-m2-5', model: 'minimax-m2.5', display_name: 'OpenCode Go MiniMax M2.5', provider: 'anthropic', base_url: fake.url }),
        generated({ slug: 'ocgo-kimi-k2-5', model: 'kimi-k2.5', display_name: 'OpenCode Go Kimi K2.5', provider: 'generic-chat-completion-api', base_url: fake.url }),
        // 429 on chat, 502 on messages: unknown, so last time's row stays exactly as it was.
        ORIGINAL.models[1],
        ORIGINAL.models[3],
      ],
    })
    // Key order inside our rows is fixed (so re-runs are byte-identical).
    expect(Object.keys(written.models[1])).toEqual(['slug', 'model', 'display_name', 'provider', 'base_url', 'api_key_env', 'generated_by'])
    expect(text).not.toContain(KEY)
    expect(run.output).not.toContain(KEY)

    // The real loader accepts the result.
    const loaded = parseSettings(text, settings)
    expect(loaded.models.map((m) => m.slug)).toEqual(['mine', 'ocgo-glm-5', 'ocgo-minimax-m2-5', 'ocgo-kimi-k2-5', 'ocgo-busy-1', 'llama3'])

    // Backup of the user's file, byte for byte.
    expect(readFileSync(`${settings}.codex-shim.bak`, 'utf8')).toBe(`${JSON.stringify(ORIGINAL, null, 2)}\n`)

    // The report: every model with its fate, what was removed, the next step.
    expect(run.stdout).toMatch(/ocgo-glm-5\s+chat\s+glm-5/)
    expect(run.stdout).toMatch(/ocgo-minimax-m2-5\s+messages\s+minimax-m2\.5/)
    expect(run.stdout).toMatch(/ocgo-busy-1\s+kept\s+busy-1\s+not verified; previous entry kept: chat 429 RateLimitError: Rate limit exceeded, retry later; messages 502/)
    expect(run.stdout).toMatch(/-\s+unverified\s+slow-1\s+not verified; not added .*chat timed out; messages timed out/)
    expect(run.stdout).toMatch(/-\s+skipped\s+broken-1\s+refused everywhere: chat 400 ModelError: Model broken-1 is not supported on \/chat\/completions; messages 400 ModelError/)
    expect(run.stdout).toContain('Removed: ocgo-gone-1')
    expect(run.stdout).toContain('codex-shim restart')

    // Listing + 6 models × 2 endpoints, every one with the same session id and the key in the right header.
    const requests = since(start)
    const probes = requests.filter((r) => r.method === 'POST')
    expect(requests.filter((r) => r.method === 'GET').map((r) => r.path)).toEqual(['/models'])
    expect(probes).toHaveLength(12)
    const sessions = new Set(requests.map((r) => r.headers['x-opencode-session']))
    expect(sessions.size).toBe(1)
    expect([...sessions][0]).toMatch(/^[0-9a-f-]{36}$/)
    for (const probe of probes) {
      expect(probe.body).toEqual({ model: probe.body!.model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 })
      if (probe.path === '/messages') expect([probe.headers['x-api-key'], probe.headers['anthropic-version']]).toEqual([KEY, '2023-06-01'])
      else expect(probe.headers.authorization).toBe(`Bearer ${KEY}`)
    }
  })

  test('a second refresh leaves the file byte-identical; a model gone from the catalog is removed; a 429 keeps the row', async () => {
    const { settings, refresh } = setup('rerun')
    expect((await refresh()).code).toBe(0)
    const first = readFileSync(settings, 'utf8')

    const again = await refresh()
    expect(again.code).toBe(0)
    expect(readFileSync(settings, 'utf8')).toBe(first)
    expect(again.stdout).toContain('already up to date')

    // glm-5 leaves the catalog; kimi-k2.5 is rate-limited this time.
    fake.models = CATALOG.filter((m) => m.id !== 'glm-5').map((m) => (m.id === 'kimi-k2.5' ? { ...m, chat: 'rate-limit', messages: 'rate-limit' } : m))
    const third = await refresh()
    expect(third.code).toBe(0)
    const models = JSON.parse(readFileSync(settings, 'utf8')).models
    expect(models.map((m: any) => m.slug)).toEqual(['mine', 'ocgo-minimax-m2-5', 'ocgo-kimi-k2-5', 'ocgo-busy-1', undefined])
    expect(models.find((m: any) => m.slug === 'ocgo-kimi-k2-5')).toEqual(JSON.parse(first).models.find((m: any) => m.slug === 'ocgo-kimi-k2-5'))
    expect(third.stdout).toContain('Removed: ocgo-glm-5')
    expect(third.stdout).toMatch(/ocgo-kimi-k2-5\s+kept/)
  })

  test('no models.json before the first refresh: a later refresh makes no .orig holding the generated rows', async () => {
    const { settings, refresh } = setup('no-file-first')
    rmSync(settings)
    expect((await refresh()).code).toBe(0)
    fake.models = CATALOG.filter((m) => m.id !== 'glm-5')
    expect((await refresh()).code).toBe(0)
    expect(existsSync(`${settings}.codex-shim.orig`)).toBe(false)
    expect(readFileSync(`${settings}.codex-shim.orig-absent`, 'utf8')).toContain('models.json did not exist')
    expect(readFileSync(`${settings}.codex-shim.bak`, 'utf8')).toContain('ocgo-glm-5')
  })

  test('--prefer messages routes a model served on both through anthropic', async () => {
    const { settings, refresh } = setup('prefer', CATALOG.filter((m) => m.id === 'kimi-k2.5' || m.id === 'glm-5'))
    expect((await refresh('--prefer', 'messages')).code).toBe(0)
    const models = JSON.parse(readFileSync(settings, 'utf8')).models
    expect(models.find((m: any) => m.model === 'kimi-k2.5').provider).toBe('anthropic')
    // Served on chat only: --prefer does not override what works.
    expect(models.find((m: any) => m.model === 'glm-5').provider).toBe('generic-chat-completion-api')
  })

  test('--dry-run probes and shows the diff but writes nothing', async () => {
    const { settings, refresh } = setup('dry')
    const before = readFileSync(settings, 'utf8')
    const run = await refresh('--dry-run')
    expect(run.code).toBe(0)
    expect(readFileSync(settings, 'utf8')).toBe(before)
    expect(existsSync(`${settings}.codex-shim.bak`)).toBe(false)
    expect(run.stdout).toContain('Dry run')
    expect(run.stdout).toContain('+      "slug": "ocgo-glm-5",')
    expect(run.stdout).toContain('-      "slug": "ocgo-gone-1",')
    expect(run.stdout).toMatch(/^@@ -\d+,\d+ \+\d+,\d+ @@$/m)
    expect(run.output).not.toContain(KEY)
  })

  // POSIX: Windows ends a process on SIGINT without running its handler.
  posixTest('Ctrl-C while a probe hangs aborts the probes and writes nothing', async () => {
    const { home, settings, env } = setup('sigint', [{ id: 'glm-5', chat: 'ok', messages: 'ok' }, { id: 'slow-1', chat: 'hang', messages: 'hang' }])
    const before = readFileSync(settings, 'utf8')
    const abortedBefore = fake.aborted
    const hung = fake.waitFor((r) => r.body?.model === 'slow-1' && r.path === '/chat/completions' && r.headers['x-opencode-session'] !== undefined)
    let child: Bun.Subprocess | undefined
    const running = spawnCommand(['opencode-go', 'refresh', '--yes', '--timeout', '120'], env, { onSpawn: (c) => (child = c) })
    await hung
    child!.kill('SIGINT')
    const run = await running
    expect(run.code).toBe(130)
    expect(run.output).toContain('Interrupted')
    expect(readFileSync(settings, 'utf8')).toBe(before)
    expect(readdirSync(home).sort()).toEqual(['models.json'])
    // The hanging probes were cancelled, not left open.
    while (fake.aborted === abortedBefore) await Bun.sleep(10)
    expect(fake.aborted).toBeGreaterThan(abortedBefore)
  })

  test('no key: fails before any request, naming the variable', async () => {
    const { settings, env } = setup('nokey')
    const start = fake.requests.length
    const run = await spawnCommand(['opencode-go', 'refresh', '--yes'], { ...env, OPENCODE_GO_API_KEY: '' })
    expect(run.code).toBe(2)
    expect(run.output).toContain('Set OPENCODE_GO_API_KEY')
    expect(since(start)).toHaveLength(0)
    const other = await spawnCommand(['opencode-go', 'refresh', '--yes', '--api-key-env', 'MY_GO_KEY'], env)
    expect(other.code).toBe(2)
    expect(other.output).toContain('Set MY_GO_KEY')
    expect(since(start)).toHaveLength(0)
    expect(readFileSync(settings, 'utf8')).toBe(`${JSON.stringify(ORIGINAL, null, 2)}\n`)
  })

  test('--api-key-env names another variable, and that name (not the key) is written', async () => {
    const { settings, env } = setup('keyenv', [{ id: 'glm-5', chat: 'ok', messages: 'reject' }])
    const run = await spawnCommand(['opencode-go', 'refresh', '--yes', '--api-key-env', 'MY_GO_KEY'], { ...env, OPENCODE_GO_API_KEY: '', MY_GO_KEY: KEY })
    expect(run.code).toBe(0)
    const text = readFileSync(settings, 'utf8')
    expect(JSON.parse(text).models.find((m: any) => m.slug === 'ocgo-glm-5').api_key_env).toBe('MY_GO_KEY')
    expect(text).not.toContain(KEY)
  })

  test('without a terminal and without --yes nothing is probed', async () => {
    const { settings, env } = setup('noyes')
    const start = fake.requests.length
    const run = await spawnCommand(['opencode-go', 'refresh'], env)
    expect(run.code).toBe(2)
    expect(run.output).toContain('--yes')
    expect(since(start).filter((r) => r.method === 'POST')).toHaveLength(0)
    expect(readFileSync(settings, 'utf8')).toBe(`${JSON.stringify(ORIGINAL, null, 2)}\n`)
  })

  test('a wrong key is a clear error naming the variable, without the key', async () => {
    const { settings, env } = setup('badkey')
    const run = await spawnCommand(['opencode-go', 'refresh', '--yes'], { ...env, OPENCODE_GO_API_KEY: 'sk-wrong-key-planted-999' })
    expect(run.code).toBe(1)
    expect(run.output).toContain('OpenCode Go /models returned HTTP 401')
    expect(run.output).toContain('Check $OPENCODE_GO_API_KEY')
    expect(run.output).not.toContain('sk-wrong-key-planted-999')
    expect(readFileSync(settings, 'utf8')).toBe(`${JSON.stringify(ORIGINAL, null, 2)}\n`)
  })

  test('a file that would no longer load is not written (launch_models names a row that goes away)', async () => {
    const { settings, refresh } = setup('refs')
    const withRef = { ...ORIGINAL, launch_models: ['mine', 'ocgo-gone-1'] }
    writeFileSync(settings, JSON.stringify(withRef, null, 2))
    const run = await refresh()
    expect(run.code).toBe(1)
    expect(run.output).toContain('Not writing')
    expect(run.output).toContain('launch_models[1]')
    expect(JSON.parse(readFileSync(settings, 'utf8'))).toEqual(withRef)
  })

  test('the fake refuses an inference request without x-opencode-session, like OpenCode Go', async () => {
    const response = await fetch(`${fake.url}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'glm-5', messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 }),
    })
    expect(response.status).toBe(400)
    expect(await response.json()).toEqual(MISSING_SESSION_BODY)
  })
})
