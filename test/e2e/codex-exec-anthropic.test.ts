import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import type { Json } from '../fakes/chat-upstream.ts'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { freePort } from '../support/cli.ts'

/**
 * The real Codex CLI through codex-shim against a fake Anthropic upstream with
 * thinking on. The fake rejects a replayed thinking block unless it carries
 * the signature issued for exactly that text, so these loops only finish if
 * the signature survives the round trip through Codex.
 */

const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-anthropic')
const port = freePort()
const PATCH = '*** Begin Patch\n*** Add File: claude.txt\n+patched by claude\n*** End Patch\n'

function userText(body: Json): string {
  return body.messages.filter((m: Json) => m.role === 'user').flatMap((m: Json) => m.content).map((b: Json) => b.text ?? '').join('\n')
}
const hasToolResult = (body: Json) => body.messages.some((m: Json) => m.role === 'user' && m.content.some((b: Json) => b.type === 'tool_result'))

const upstream = startFakeAnthropicUpstream((body) => {
  const text = userText(body)
  if (text.includes('SCENARIO-SHELL')) {
    if (!hasToolResult(body)) {
      return events(messageEvents([{ thinking: 'I should create the file with a shell command.' }, { text: 'Creating it.' }, { tool: { id: 'toolu_sh', name: 'exec_command', input: { cmd: 'echo from-claude > claude-shell.txt' } } }]))
    }
    return events(messageEvents([{ thinking: 'The command succeeded.' }, { text: 'CLAUDE-SHELL-DONE' }]))
  }
  if (text.includes('SCENARIO-PATCH')) {
    if (!hasToolResult(body)) return events(messageEvents([{ thinking: 'Use apply_patch.' }, { tool: { id: 'toolu_patch', name: 'apply_patch', input: { input: PATCH } } }]))
    return events(messageEvents([{ text: 'CLAUDE-PATCH-DONE' }]))
  }
  return events(messageEvents([{ text: 'unknown scenario' }]))
})

const env = { ...process.env, CODEX_SHIM_HOME: join(root, 'shim-home'), CODEX_HOME: join(root, 'codex-home'), FAKE_ANTHROPIC_KEY: 'sk-ant-fake-key' }

beforeAll(() => {
  mkdirSync(env.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(env.CODEX_HOME, { recursive: true })
  writeFileSync(join(env.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: upstream.url, api_key_env: 'FAKE_ANTHROPIC_KEY', reasoning_effort: 'high' }] }))
})

afterAll(async () => {
  await stopDaemon(env)
  upstream.close()
})

const codexExec = (name: string, prompt: string) => runCodexExec({ env, port, prompt, cwd: clientDir('e2e-anthropic', name) })

describe('codex exec through codex-shim to an Anthropic upstream (thinking on)', () => {
  test('a shell-tool loop completes with the signed thinking block replayed', async () => {
    const run = await codexExec('shell', 'SCENARIO-SHELL please')
    expect(run.code).toBe(0)
    expect(readFileSync(join(run.dir, 'claude-shell.txt'), 'utf8').trim()).toBe('from-claude')
    expect(run.stdout).toContain('CLAUDE-SHELL-DONE')
    const [first, second] = upstream.requests.filter((r) => userText(r.body).includes('SCENARIO-SHELL'))
    expect(first!.headers['x-api-key']).toBe('sk-ant-fake-key')
    expect(first!.headers['anthropic-version']).toBe('2023-06-01')
    expect(first!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 20000 })
    expect(first!.body.max_tokens).toBeGreaterThan(20000)
    expect(first!.body.system[0].text.length).toBeGreaterThan(1000) // Codex's own prompt
    const assistant = second!.body.messages.find((m: Json) => m.role === 'assistant')
    expect(assistant.content.map((b: Json) => b.type)).toEqual(['thinking', 'text', 'tool_use'])
    expect(assistant.content[0].thinking).toBe('I should create the file with a shell command.')
    const next = second!.body.messages[second!.body.messages.indexOf(assistant) + 1]
    expect(next.content[0]).toMatchObject({ type: 'tool_result', tool_use_id: 'toolu_sh' })
  })

  test('an apply_patch loop completes', async () => {
    const run = await codexExec('patch', 'SCENARIO-PATCH please')
    expect(run.code).toBe(0)
    expect(readFileSync(join(run.dir, 'claude.txt'), 'utf8')).toBe('patched by claude\n')
    expect(run.stdout).toContain('CLAUDE-PATCH-DONE')
  })
})
