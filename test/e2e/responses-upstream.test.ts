import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeResponsesUpstream, type Json, type ResponsesReply } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { clientDir, runClaude, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { freePort } from '../support/cli.ts'

/**
 * Real agents on an `openai-responses` upstream: the Codex CLI (`codex exec`)
 * takes the byte-level fast path, Claude Code (`claude -p`) is translated.
 */
const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-responses')
const port = freePort()
const PATCH = '*** Begin Patch\n*** Add File: notes.txt\n+written by apply_patch\n+second line\n*** End Patch\n'

function text(body: Json): string {
  return JSON.stringify(body.input ?? '')
}
const answered = (body: Json) => (body.input as Json[]).some((item) => item.type === 'function_call_output' || item.type === 'custom_tool_call_output')

function script(body: Json): ResponsesReply {
  const input = text(body)
  if (input.includes('SCENARIO-SHELL')) {
    if (!answered(body)) return { kind: 'output', items: [{ reasoning: 'I will create the file.' }, { call: { call_id: 'call_sh', name: 'exec_command', arguments: { cmd: 'echo made-by-shell > shell.txt' } } }] }
    return { kind: 'output', items: [{ text: 'SHELL-DONE: the file exists.' }] }
  }
  if (input.includes('SCENARIO-PATCH')) {
    if (!answered(body)) return { kind: 'output', items: [{ custom: { call_id: 'call_patch', name: 'apply_patch', input: PATCH } }] }
    return { kind: 'output', items: [{ text: 'PATCH-DONE.' }] }
  }
  if (input.includes('Create cc.txt')) {
    if (!answered(body)) return { kind: 'output', items: [{ call: { call_id: 'call_cc', name: 'Bash', arguments: { command: 'echo from-claude-code > cc.txt', description: 'Create cc.txt' } } }] }
    return { kind: 'output', items: [{ text: 'CLAUDE-CODE-DONE' }] }
  }
  return { kind: 'output', items: [{ text: 'A title' }] }
}

const upstream = startFakeResponsesUpstream(script, { apiKey: 'sk-upstream' })
const env = { ...process.env, CODEX_SHIM_HOME: join(root, 'shim-home'), CODEX_HOME: join(root, 'codex-home'), RESP_KEY: 'sk-upstream' }
const requestsFor = (keyword: string) => upstream.requests.filter((r) => text(r.body).includes(keyword)).map((r) => r.body)

beforeAll(() => {
  mkdirSync(env.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(env.CODEX_HOME, { recursive: true })
  writeFileSync(join(env.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'resp', model: 'gpt-test', provider: 'openai-responses', base_url: upstream.url, api_key_env: 'RESP_KEY', display_name: 'Responses fake' }] }))
})
afterAll(async () => {
  await stopDaemon(env)
  upstream.close()
})

const codexExec = (name: string, prompt: string) => runCodexExec({ env, port, prompt, cwd: clientDir('e2e-responses', name) })

describe('codex exec → openai-responses upstream (fast path)', () => {
  test('a shell-tool loop', async () => {
    const run = await codexExec('shell', 'SCENARIO-SHELL create a file')
    expect({ code: run.code, stderr: run.code ? run.stderr.slice(-2000) : '' }).toEqual({ code: 0, stderr: '' })
    expect(readFileSync(join(run.dir, 'shell.txt'), 'utf8').trim()).toBe('made-by-shell')
    expect(run.stdout).toContain('SHELL-DONE: the file exists.')
    const [first, second] = requestsFor('SCENARIO-SHELL')
    // Codex's own body went through: its store:false, include and tools, only the model renamed.
    expect(first!.model).toBe('gpt-test')
    expect(first!.store).toBe(false)
    expect(first!.include).toEqual(['reasoning.encrypted_content'])
    // Turn two replays the reasoning with its encrypted content, and the call with its output.
    expect(second!.input.find((item: Json) => item.type === 'reasoning')?.encrypted_content).toBe('enc:23')
    expect(second!.input.find((item: Json) => item.type === 'function_call_output')?.call_id).toBe('call_sh')
  })

  test('an apply_patch (freeform) loop with a multi-line patch', async () => {
    const run = await codexExec('patch', 'SCENARIO-PATCH add notes')
    expect({ code: run.code, stderr: run.code ? run.stderr.slice(-2000) : '' }).toEqual({ code: 0, stderr: '' })
    expect(readFileSync(join(run.dir, 'notes.txt'), 'utf8')).toBe('written by apply_patch\nsecond line\n')
    expect(run.stdout).toContain('PATCH-DONE.')
    const second = requestsFor('SCENARIO-PATCH')[1]!
    expect(second.input.find((item: Json) => item.type === 'custom_tool_call')?.input).toBe(PATCH)
  })
})

describe('Claude Code → openai-responses upstream (translated)', () => {
  const shim = startShim(settingsFrom([{ slug: 'claude-sonnet-4-5', model: 'gpt-test', provider: 'openai-responses', base_url: upstream.url, api_key: 'sk-upstream' }]))
  afterAll(() => shim.close())

  test('claude -p completes a Bash turn', async () => {
    const { code, stdout, stderr, dir } = await runClaude({ baseUrl: shim.url, model: 'claude-sonnet-4-5', prompt: 'Create cc.txt please', allowedTools: 'Bash,Write,Read', cwd: clientDir('e2e-responses', 'claude-code') })
    expect({ code, stderr: code ? stderr : '' }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toContain('CLAUDE-CODE-DONE')
    expect(readFileSync(join(dir, 'cc.txt'), 'utf8').trim()).toBe('from-claude-code')
    const last = requestsFor('Create cc.txt').at(-1)!
    expect(last.input.find((item: Json) => item.type === 'function_call_output')?.call_id).toBe('call_cc')
  })
})
