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
