import { afterAll, describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { parseSettings } from '../../src/settings/load.ts'
import { startFakeListingServer, type ListedModel } from '../fakes/openai-listing.ts'
import { freshHome, spawnCommand } from './_spawn.ts'

const OLLAMA_MODELS: ListedModel[] = [
  { id: 'llama3.2:latest', serves: ['chat', 'responses'] },
  { id: 'qwen3:8b', serves: ['chat', 'messages', 'responses'] },
  { id: 'nomic-embed-text:latest', serves: [] },
]
const ROUTER_KEY = 'sk-or-v1-planted-secret-abcdef'
const ROUTER_MODELS: ListedModel[] = [
  { id: 'openai/gpt-4o', name: 'OpenAI: GPT-4o', inputModalities: ['text', 'image', 'file'], contextLength: 128000, serves: ['chat', 'responses'] },
  { id: 'deepseek/deepseek-chat', name: 'DeepSeek: V3', inputModalities: ['text'], contextLength: 163840, serves: ['chat'] },
  { id: 'anthropic/claude-sonnet', name: 'Anthropic: Claude Sonnet', inputModalities: ['text', 'image'], contextLength: 200000, serves: ['messages'] },
  { id: 'busy/model', name: 'Busy', busy: true, serves: ['chat'] },
]

const ollama = startFakeListingServer({ style: 'ollama', models: OLLAMA_MODELS })
const router = startFakeListingServer({ style: 'openrouter', key: ROUTER_KEY, models: ROUTER_MODELS })
afterAll(() => {
  ollama.close()
  router.close()
})

const USER_ROWS = {
  models: [
    { slug: 'mine', model: 'deepseek-chat', provider: 'openai', base_url: 'https://api.deepseek.com/v1' },
    { slug: 'ocgo-glm-5', model: 'glm-5', provider: 'generic-chat-completion-api', base_url: 'https://opencode.ai/zen/go/v1', api_key_env: 'OPENCODE_GO_API_KEY', generated_by: 'opencode-go' },
  ],
  top_level_note: 'kept',
}

describe('discover against an Ollama-style server (keyless)', () => {
  test('writes one row per served model with the right provider, keyless, and skips what nothing serves', async () => {
    const { home, settings } = freshHome('ollama')
    writeFileSync(settings, JSON.stringify(USER_ROWS, null, 4))
    const start = ollama.requests.length
    const run = await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'ollama'], { CODEX_SHIM_HOME: home })
    expect(run.code).toBe(0)
    const text = readFileSync(settings, 'utf8')
    const host = new URL(ollama.url).host
    // Host and path: two APIs on one host keep apart.
    const tag = { generated_by: `discover:${host}/v1` }
    expect(JSON.parse(text)).toEqual({
      models: [
        ...USER_ROWS.models,
        { slug: 'ollama-llama3-2-latest', model: 'llama3.2:latest', display_name: 'Ollama llama3.2:latest', provider: 'generic-chat-completion-api', base_url: ollama.url, ...tag },
        { slug: 'ollama-qwen3-8b', model: 'qwen3:8b', display_name: 'Ollama qwen3:8b', provider: 'generic-chat-completion-api', base_url: ollama.url, ...tag },
      ],
      top_level_note: 'kept',
    })
    // The file's own four-space indentation is kept.
    expect(text).toContain('\n    "models": [')
    expect(parseSettings(text, settings).models.map((m) => m.slug)).toEqual(['mine', 'ocgo-glm-5', 'ollama-llama3-2-latest', 'ollama-qwen3-8b'])
    // Three endpoints per model, and no key header to a keyless server.
    const probes = ollama.requests.slice(start).filter((r) => r.method === 'POST')
    expect(probes.map((r) => r.path).sort()).toEqual(['/chat/completions', '/chat/completions', '/chat/completions', '/messages', '/messages', '/messages', '/responses', '/responses', '/responses'])
    for (const probe of probes) expect(probe.headers.authorization ?? probe.headers['x-api-key']).toBeUndefined()
    expect(probes.find((r) => r.path === '/responses')!.body).toEqual({ model: 'llama3.2:latest', input: 'hi', max_output_tokens: 16, store: false })
    expect(run.stdout).toMatch(/-\s+skipped\s+nomic-embed-text:latest\s+refused everywhere: chat 400/)
    expect(run.stdout).toContain('Image support unknown for ollama-llama3-2-latest, ollama-qwen3-8b')
  })

  test('--prefer responses picks openai-responses; the default prefix comes from the host', async () => {
    const { home, settings } = freshHome('ollama-responses')
    const run = await spawnCommand(['discover', ollama.url, '--yes', '--prefer', 'responses'], { CODEX_SHIM_HOME: home })
    expect(run.code).toBe(0)
    const models = JSON.parse(readFileSync(settings, 'utf8')).models
    // A loopback server on a port we cannot name is "local-" (port 11434 would be "ollama-").
    expect(models.map((m: any) => [m.slug, m.provider])).toEqual([
      ['local-llama3-2-latest', 'openai-responses'],
      ['local-qwen3-8b', 'openai-responses'],
    ])
  })

  test('a re-run changes only its own rows: other servers\' rows and a removed model', async () => {
    const { home, settings } = freshHome('ollama-rerun')
    writeFileSync(settings, JSON.stringify(USER_ROWS, null, 2))
    expect((await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'ollama-'], { CODEX_SHIM_HOME: home })).code).toBe(0)
    expect((await spawnCommand(['discover', router.url, '--yes', '--prefix', 'openrouter', '--key-env', 'ROUTER_TEST_KEY'], { CODEX_SHIM_HOME: home, ROUTER_TEST_KEY: ROUTER_KEY })).code).toBe(0)
    const both = JSON.parse(readFileSync(settings, 'utf8'))
    const routerRows = both.models.filter((m: any) => m.slug.startsWith('openrouter-'))
    expect(routerRows).toHaveLength(3)

    ollama.models = OLLAMA_MODELS.filter((m) => m.id !== 'qwen3:8b')
    try {
      const run = await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'ollama'], { CODEX_SHIM_HOME: home })
      expect(run.code).toBe(0)
      expect(run.stdout).toContain('Removed: ollama-qwen3-8b')
    } finally {
      ollama.models = OLLAMA_MODELS
    }
    const after = JSON.parse(readFileSync(settings, 'utf8'))
    expect(after.models.map((m: any) => m.slug)).toEqual(['mine', 'ocgo-glm-5', 'ollama-llama3-2-latest', ...routerRows.map((m: any) => m.slug)])
    expect(after.models.filter((m: any) => m.slug.startsWith('openrouter-'))).toEqual(routerRows)
    expect(readFileSync(settings, 'utf8')).not.toContain(ROUTER_KEY)
  })
})

describe('discover against an OpenRouter-style listing', () => {
  test('image support and context from the listing metadata; the key variable name is written, never the key', async () => {
    const { home, settings } = freshHome('router')
    const run = await spawnCommand(['discover', router.url, '--yes', '--prefix', 'openrouter', '--key-env', 'ROUTER_TEST_KEY'], { CODEX_SHIM_HOME: home, ROUTER_TEST_KEY: ROUTER_KEY })
    expect(run.code).toBe(0)
    const text = readFileSync(settings, 'utf8')
    const common = { base_url: router.url, api_key_env: 'ROUTER_TEST_KEY', generated_by: `discover:${new URL(router.url).host}/api/v1` }
    expect(JSON.parse(text).models).toEqual([
      { slug: 'openrouter-openai-gpt-4o', model: 'openai/gpt-4o', display_name: 'OpenRouter OpenAI: GPT-4o', provider: 'generic-chat-completion-api', ...common, no_image_support: false, max_context_limit: 128000 },
      { slug: 'openrouter-deepseek-deepseek-chat', model: 'deepseek/deepseek-chat', display_name: 'OpenRouter DeepSeek: V3', provider: 'generic-chat-completion-api', ...common, no_image_support: true, max_context_limit: 163840 },
      { slug: 'openrouter-anthropic-claude-sonnet', model: 'anthropic/claude-sonnet', display_name: 'OpenRouter Anthropic: Claude Sonnet', provider: 'anthropic', ...common, no_image_support: false, max_context_limit: 200000 },
    ])
    expect(text).not.toContain(ROUTER_KEY)
    expect(run.output).not.toContain(ROUTER_KEY)
    expect(run.stdout).not.toContain('Image support unknown')
    expect(run.stdout).toMatch(/-\s+unverified\s+busy\/model\s+not verified; not added/)
    const probes = router.requests.filter((r) => r.method === 'POST' && r.body?.model === 'openai/gpt-4o')
    expect(probes.find((r) => r.path === '/chat/completions')!.headers.authorization).toBe(`Bearer ${ROUTER_KEY}`)
    expect(probes.find((r) => r.path === '/messages')!.headers['x-api-key']).toBe(ROUTER_KEY)
  })

  test('a server that wants a key, asked without one, says so', async () => {
    const { home, settings } = freshHome('router-nokey')
    const run = await spawnCommand(['discover', router.url, '--yes'], { CODEX_SHIM_HOME: home })
    expect(run.code).toBe(1)
    expect(run.output).toContain('/models returned HTTP 401')
    expect(run.output).toContain('--key-env')
    expect(() => readFileSync(settings)).toThrow()
  })

  test('--key-env naming an unset variable fails before any request', async () => {
    const { home } = freshHome('router-unset')
    const start = router.requests.length
    const run = await spawnCommand(['discover', router.url, '--yes', '--key-env', 'ROUTER_UNSET_KEY'], { CODEX_SHIM_HOME: home })
    expect(run.code).toBe(2)
    expect(run.output).toContain('Set ROUTER_UNSET_KEY')
    expect(router.requests.length).toBe(start)
  })

  test('a bad URL or --prefer is a usage error', async () => {
    const { home } = freshHome('bad-usage')
    const badUrl = await spawnCommand(['discover', 'not a url', '--yes'], { CODEX_SHIM_HOME: home })
    expect(badUrl.code).toBe(2)
    expect(badUrl.output).toContain('expects a URL')
    const badPrefer = await spawnCommand(['discover', ollama.url, '--yes', '--prefer', 'grpc'], { CODEX_SHIM_HOME: home })
    expect(badPrefer.code).toBe(2)
    expect(badPrefer.output).toContain('--prefer expects chat or messages or responses')
  })
})

/** discover run again against the Ollama fake listing `models` instead, which is then restored. */
async function rerunWith(models: ListedModel[], home: string) {
  ollama.models = models
  try {
    return await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'ollama'], { CODEX_SHIM_HOME: home })
  } finally {
    ollama.models = OLLAMA_MODELS
  }
}

// An audit of discover and opencode-go refresh, each case reproduced first: what the user did to
// the file between runs, and what the server said on the next one.
describe('a re-run keeps what the user did', () => {
  test('renames and hand edits stay, and a slug stays with its model when the listing\'s order changes', async () => {
    const { home, settings } = freshHome('hand-edits')
    expect((await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'ollama'], { CODEX_SHIM_HOME: home })).code).toBe(0)
    const first = JSON.parse(readFileSync(settings, 'utf8'))
    const qwen = first.models.find((m: any) => m.model === 'qwen3:8b')
    Object.assign(qwen, { slug: 'qwen', display_name: 'My Qwen', max_output_tokens: 4096, no_image_support: true, price: { input: 1, output: 2 } })
    first.launch_models = ['qwen']
    writeFileSync(settings, JSON.stringify(first, null, 2))
    const run = await rerunWith([...OLLAMA_MODELS].reverse(), home)
    expect(run.code).toBe(0)
    // The note about image support is not repeated for a row the user answered it on.
    expect(run.stdout).not.toContain('Image support unknown for ollama-llama3-2-latest, qwen')
    const after = JSON.parse(readFileSync(settings, 'utf8'))
    expect(after.launch_models).toEqual(['qwen'])
    expect(after.models.find((m: any) => m.model === 'qwen3:8b')).toMatchObject({ slug: 'qwen', display_name: 'My Qwen', max_output_tokens: 4096, no_image_support: true, price: { input: 1, output: 2 } })
    expect(after.models.find((m: any) => m.model === 'llama3.2:latest').slug).toBe('ollama-llama3-2-latest')
  })

  test('a key refused on a route (401) keeps the model\'s row: it says nothing about the model', async () => {
    const { home, settings } = freshHome('key-refused')
    expect((await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'ollama'], { CODEX_SHIM_HOME: home })).code).toBe(0)
    const before = JSON.parse(readFileSync(settings, 'utf8')).models
    const run = await rerunWith(OLLAMA_MODELS.map((m) => (m.id === 'qwen3:8b' ? { ...m, keyRefused: true } : m)), home)
    expect(run.code).toBe(0)
    expect(run.stdout).not.toContain('Removed')
    expect(JSON.parse(readFileSync(settings, 'utf8')).models).toEqual(before)
  })

  test('a settings file that does not load is said before any (billed) probe', async () => {
    const { home, settings } = freshHome('broken-before')
    writeFileSync(settings, JSON.stringify({ models: [{ slug: 'mine', model: 'm', provider: 'openia', base_url: 'https://x.example/v1' }] }))
    const probesBefore = ollama.requests.filter((r) => r.method === 'POST').length
    const run = await spawnCommand(['discover', ollama.url, '--yes'], { CODEX_SHIM_HOME: home })
    expect(run.code).toBe(2)
    expect(run.stderr + run.stdout).toContain('models[0].provider')
    expect(ollama.requests.filter((r) => r.method === 'POST').length).toBe(probesBefore)
  })

  test('a settings path that is a folder is said so, before any request (it was a raw EISDIR)', async () => {
    const { home } = freshHome('folder-path')
    const requestsBefore = ollama.requests.length
    const run = await spawnCommand(['discover', ollama.url, '--yes', '--settings', home], { CODEX_SHIM_HOME: home })
    expect(run.code).toBe(2)
    expect(run.stderr + run.stdout).toContain('is a folder; expected the settings file itself')
    expect(ollama.requests.length).toBe(requestsBefore)
  })

  test('a catch-all server answering 200 to anything serves nothing: its "answers" are no wire\'s', async () => {
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: (request) => (new URL(request.url).pathname === '/v1/models' ? Response.json({ data: [{ id: 'm' }] }) : new Response('<html>welcome</html>', { headers: { 'content-type': 'text/html' } })),
    })
    try {
      const { home, settings } = freshHome('catch-all')
      const run = await spawnCommand(['discover', `http://127.0.0.1:${server.port}/v1`, '--yes', '--prefix', 'web'], { CODEX_SHIM_HOME: home })
      expect(run.stdout).toContain('not a chat answer')
      expect(readFileSync(settings, 'utf8')).not.toContain('"web-m"')
    } finally {
      server.stop(true)
    }
  })

  test('one malformed item in the listing is skipped, not the whole listing', async () => {
    const server = Bun.serve({
      hostname: '127.0.0.1',
      port: 0,
      fetch: async (request) => {
        const path = new URL(request.url).pathname
        if (path === '/v1/models') return Response.json({ data: [{ id: 'good' }, { id: 123 }, null, { name: 'no id' }] })
        if (path === '/v1/chat/completions') return Response.json({ id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'hi' }, finish_reason: 'stop' }] })
        return new Response('404 page not found', { status: 404 })
      },
    })
    try {
      const { home, settings } = freshHome('malformed-item')
      const run = await spawnCommand(['discover', `http://127.0.0.1:${server.port}/v1`, '--yes', '--prefix', 'odd'], { CODEX_SHIM_HOME: home })
      expect(run.code).toBe(0)
      expect(JSON.parse(readFileSync(settings, 'utf8')).models.map((m: any) => m.model)).toEqual(['good'])
    } finally {
      server.stop(true)
    }
  })
})

describe('two APIs on one host', () => {
  test('each keeps its own rows (they removed each other\'s), and rows tagged by host alone are still recognised', async () => {
    const { home, settings } = freshHome('two-apis')
    const other = startFakeListingServer({ style: 'ollama', models: [{ id: 'solo', serves: ['chat'] }] })
    try {
      expect((await spawnCommand(['discover', other.url, '--yes', '--prefix', 'a-'], { CODEX_SHIM_HOME: home })).code).toBe(0)
      const first = JSON.parse(readFileSync(settings, 'utf8'))
      const host = new URL(other.url).host
      expect(first.models[0].generated_by).toBe(`discover:${host}/v1`)
      // As an older version wrote it: the host alone. A re-run takes it as its own (no duplicate, no "slug taken").
      first.models[0].generated_by = `discover:${host}`
      // And a row of another API on the same host, which this run must leave alone.
      first.models.push({ slug: 'zen-x', model: 'x', provider: 'generic-chat-completion-api', base_url: `http://${host}/zen/v1`, generated_by: `discover:${host}/zen/v1` })
      writeFileSync(settings, JSON.stringify(first, null, 2))
      const run = await spawnCommand(['discover', other.url, '--yes', '--prefix', 'a-'], { CODEX_SHIM_HOME: home })
      expect(run.code).toBe(0)
      const after = JSON.parse(readFileSync(settings, 'utf8'))
      expect(after.models.map((m: any) => [m.slug, m.generated_by])).toEqual([
        ['a-solo', `discover:${host}/v1`],
        ['zen-x', `discover:${host}/zen/v1`],
      ])
    } finally {
      other.close()
    }
  })
})

