import { describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { get, settingsFrom, testDeps } from '../support/shim.ts'

const settings = settingsFrom([
  { slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1' },
  { model: 'qwen3', provider: 'ollama' },
])
const handle = createHandler(testDeps(settings, { catalog: async () => ({ models: [{ slug: 'ds' }, { slug: 'qwen3' }] }) }))

describe('GET /health', () => {
  test('reports version, models, uptime and passthrough flags', async () => {
    const body = (await (await handle(get('/health'))).json()) as any
    expect(body).toMatchObject({ ok: true, name: 'codex-shim', version: '0.0.0-test', models: 2, chatgpt_passthrough: false, cursor_passthrough: false })
    expect(typeof body.uptime_s).toBe('number')
  })
})

describe('GET /v1/models', () => {
  test('OpenAI list shape with slugs as ids', async () => {
    const body = (await (await handle(get('/v1/models'))).json()) as any
    expect(body.object).toBe('list')
    expect(body.data.map((m: any) => m.id)).toEqual(['ds', 'qwen3'])
    expect(body.data[1].owned_by).toBe('ollama')
  })

  test('Codex catalog shape when Codex asks with ?client_version=', async () => {
    const body = (await (await handle(get('/v1/models?client_version=0.169.0'))).json()) as any
    expect(body.models.map((m: any) => m.slug)).toEqual(['ds', 'qwen3'])
  })
})

describe('GET / for programs', () => {
  test('lists only endpoints the proxy serves, and every API one', async () => {
    const listed = ((await (await handle(get('/', { accept: 'application/json' }))).json()) as { endpoints: string[] }).endpoints
    expect(listed).toContain('GET /v1/responses/{id}/input_items')
    for (const endpoint of listed.filter((entry) => !entry.startsWith('GET / '))) {
      const [method, path] = endpoint.split(' ') as [string, string]
      const request = new Request(`http://127.0.0.1:8765${path.replace('{id}', 'resp_unknown')}`, { method, headers: { host: '127.0.0.1:8765', 'content-type': 'application/json' }, ...(method === 'POST' && { body: '{}' }) })
      const response = await handle(request)
      // A 400 for the empty body or a 404 for the unknown id is the route answering; "No route" is not.
      const text = await response.text()
      expect({ endpoint, noRoute: text.includes('No route') || response.status === 405 }).toEqual({ endpoint, noRoute: false })
    }
  })
})
