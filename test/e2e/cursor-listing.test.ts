import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import OpenAI from 'openai'
import { resetCursorServices } from '../../src/providers/cursor-agent.ts'
import { freshHomes, runCli } from '../support/cli.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * With the fake cursor-agent installed and logged in, Cursor's models appear
 * as `cursor-<id>` everywhere the model list is read, with no settings entry:
 * `/v1/models` through the openai SDK, `/health`, `list`, `list --json` and
 * `doctor`, and a `cursor-<id>` request is served.
 */
const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')
const workspace = join(process.env.CODEX_SHIM_TEST_ROOT!, 'cursor-listing-workspace')
const settings = settingsFrom([{ slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1' }])
let shim: ReturnType<typeof startShim>

beforeAll(() => {
  mkdirSync(workspace, { recursive: true })
  process.env.CURSOR_AGENT_BIN = fake
  process.env.CODEX_SHIM_CURSOR_WORKSPACE = workspace
  resetCursorServices()
  shim = startShim(settings)
})
afterAll(() => {
  shim.close()
  delete process.env.CURSOR_AGENT_BIN
  delete process.env.CODEX_SHIM_CURSOR_WORKSPACE
  resetCursorServices()
})

describe('Cursor models listed automatically', () => {
  test('the openai SDK lists cursor-<id> after the configured models; /health then says cursor_passthrough', async () => {
    const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const ids: string[] = []
    for await (const model of openai.models.list()) ids.push(model.id)
    expect(ids).toEqual(['ds', 'cursor-auto', 'cursor-composer-2.5', 'cursor-composer-2.5-fast', 'cursor-gpt-5.5-high', 'cursor-grok-4.5-medium'])
    const health = (await (await fetch(`${shim.url}/health`)).json()) as { cursor_passthrough: boolean }
    expect(health.cursor_passthrough).toBe(true)
  })

  test('Anthropic clients get the listing in their shape', async () => {
    const response = await fetch(`${shim.url}/v1/models`, { headers: { 'anthropic-version': '2023-06-01' } })
    const body = (await response.json()) as { data: { id: string; display_name: string }[] }
    expect(body.data).toContainEqual(expect.objectContaining({ id: 'cursor-composer-2.5', display_name: 'Composer 2.5' }))
  })

  test('a cursor-<id> request with no settings entry is served by cursor-agent under the name asked for', async () => {
    const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const response = await openai.responses.create({ model: 'cursor-composer-2.5', input: 'Add a line to README.md' })
    expect(response.model).toBe('cursor-composer-2.5')
    expect(response.output_text).toBe("Let me look around. hahahaNow I'll edit it.Done: README.md has two lines.")
  })

  test('codex-shim list and list --json show them; logged out, they are gone', () => {
    const homes = freshHomes('cursor-list')
    const env = { ...homes, CURSOR_AGENT_BIN: fake, CODEX_SHIM_DISABLE_CHATGPT: '1' }
    const json = runCli(['list', '--json'], env)
    expect(json.code).toBe(0)
    const listed = JSON.parse(json.stdout) as { slug: string; provider: string; model: string; display_name: string; base_url: string | null }[]
    expect(listed).toContainEqual({ slug: 'cursor-composer-2.5', display_name: 'Composer 2.5', provider: 'cursor-agent', model: 'composer-2.5', base_url: null })
    expect(listed.map((entry) => entry.slug)).toHaveLength(5)

    const text = runCli(['list'], env)
    expect(text.code).toBe(0)
    expect(text.stdout).toMatch(/^cursor-grok-4\.5-medium +Cursor Grok 4\.5 Low +cursor-agent +cursor-agent \(grok-4\.5-medium\)$/m)
    expect(text.stdout).not.toContain('\u001b[')

    const loggedOut = runCli(['list', '--json'], { ...env, FAKE_CURSOR_STATUS: 'logged-out' })
    // No settings and no usable login: nothing to list is a failure (exit 1) with an empty array.
    expect([loggedOut.code, loggedOut.stdout.trim()]).toEqual([1, '[]'])
  })

  test('codex-shim doctor shows the Cursor section in plain text, without the account or a key', () => {
    const homes = freshHomes('cursor-doctor')
    const run = runCli(['doctor'], { ...homes, CURSOR_AGENT_BIN: fake, CURSOR_API_KEY: 'crsr_planted_doctor_key_0123456789' })
    expect(run.stdout).toContain('\nCursor subscription\n')
    expect(run.stdout).toContain(`[ OK ] cursor-agent: ${fake} (2026.07.08-fake000)`)
    expect(run.stdout).toContain('[ OK ] login: logged in as d…@example.com')
    expect(run.stdout).toContain('[ OK ] models: 5 listed as cursor-<id>')
    expect(run.output).not.toContain('crsr_planted_doctor_key')
    expect(run.output).not.toContain('\u001b[')
  })
})
