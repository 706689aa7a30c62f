import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { freePort } from '../support/cli.ts'

/**
 * The real Codex CLI (`codex exec`, pinned devDependency) on a Cursor model
 * it was never configured for: `codex-shim codex -m cursor-composer-2.5`
 * starts the daemon, which finds the fake cursor-agent (CURSOR_AGENT_BIN) and
 * lists its models. The fake picks its scenario from a marker in the prompt.
 */
const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-cursor-codex')
const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')
const record = join(root, 'cursor-run.json')
const port = freePort()
const env = {
  ...process.env,
  CODEX_SHIM_HOME: join(root, 'shim-home'),
  CODEX_HOME: join(root, 'codex-home'),
  CODEX_SHIM_DISABLE_CHATGPT: '1',
  CURSOR_AGENT_BIN: fake,
  FAKE_CURSOR_MODE: 'by-prompt',
  FAKE_CURSOR_DELTAS: '60',
  FAKE_CURSOR_RECORD: record,
}

type Json = Record<string, any>

beforeAll(() => {
  mkdirSync(env.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(env.CODEX_HOME, { recursive: true })
})
afterAll(async () => {
  await stopDaemon(env)
})

/** `codex exec --json` on a Cursor slug; the JSONL events it printed. */
async function codexExec(name: string, prompt: string): Promise<{ code: number; events: Json[]; stderr: string; dir: string }> {
  rmSync(record, { force: true })
  const { code, stdout, stderr, dir } = await runCodexExec({ env, port, model: 'cursor-composer-2.5', prompt, cwd: clientDir('e2e-cursor-codex', name), execArgs: ['--json'] })
  const events = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as Json)
  return { code, events, stderr, dir }
}

const agentMessages = (events: Json[]) => events.filter((event) => event.type === 'item.completed' && event.item?.type === 'agent_message').map((event) => event.item.text as string)
/** Items Codex itself executes (`codex exec --json` thread items): none may appear for Cursor's tools. */
const commands = (events: Json[]) => events.filter((event) => ['command_execution', 'file_change', 'mcp_tool_call', 'web_search'].includes(event.item?.type))

describe('codex exec on cursor-<id> (real Codex CLI, fake cursor-agent)', () => {
  test('the final message is exactly the concatenated deltas; usage reported; cursor-agent ran in Codex\'s cwd', async () => {
    const run = await codexExec('long', '[[fake:long]] write sixty words')
    expect({ code: run.code, stderr: run.code ? run.stderr : '' }).toEqual({ code: 0, stderr: '' })
    const expected = Array.from({ length: 60 }, (_, index) => `w${index} `).join('')
    expect(agentMessages(run.events)).toEqual([expected])
    expect(commands(run.events)).toEqual([])
    const completed = run.events.find((event) => event.type === 'turn.completed')
    expect(completed?.usage?.output_tokens).toBe(60)
    expect(completed?.usage?.input_tokens).toBeGreaterThan(0)
    // The workspace came from Codex's <environment_context>; the prompt went in on stdin, never argv.
    const seen = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; stdin: string; cwd: string }
    expect(seen.argv[seen.argv.indexOf('--workspace') + 1]).toBe(run.dir)
    expect(seen.argv[seen.argv.indexOf('--model') + 1]).toBe('composer-2.5')
    expect(seen.stdin).toContain('[[fake:long]] write sixty words')
    expect(seen.argv.join(' ')).not.toContain('write sixty words')
  }, 60_000)

  test('cursor-agent\'s own shell/read/edit calls reach Codex as reasoning: Codex runs no command, and the text arrives once', async () => {
    const run = await codexExec('tools', '[[fake:stream]] add a line to README.md')
    expect({ code: run.code, stderr: run.code ? run.stderr : '' }).toEqual({ code: 0, stderr: '' })
    // Three text segments (split where cursor-agent's tools ran), each exactly once, nothing duplicated.
    expect(agentMessages(run.events).join('')).toBe("Let me look around. hahahaNow I'll edit it.Done: README.md has two lines.")
    expect(commands(run.events)).toEqual([])
    // The fake "edited" README.md only in its story: Codex wrote nothing in the workspace.
    expect(existsSync(join(run.dir, 'README.md'))).toBe(false)
    const reasoning = run.events.filter((event) => event.type === 'item.completed' && event.item?.type === 'reasoning').map((event) => event.item.text as string)
    expect(reasoning.join('\n')).toContain('ls -a')
    // The fake's result: 1200 fresh + 800 cache-read + 100 cache-write input tokens; Responses counts cached input inside input_tokens.
    expect(run.events.find((event) => event.type === 'turn.completed')?.usage).toMatchObject({ input_tokens: 2100, cached_input_tokens: 800, output_tokens: 42 })
  }, 60_000)

  test('the catalog Codex read lists every Cursor model, text-only input', () => {
    const catalog = JSON.parse(readFileSync(join(env.CODEX_SHIM_HOME, 'model_catalog.json'), 'utf8')) as { models: Json[] }
    const composer = catalog.models.find((model) => model.slug === 'cursor-composer-2.5')
    expect(composer).toMatchObject({ display_name: 'Composer 2.5', input_modalities: ['text'] })
    expect(catalog.models.map((model) => model.slug)).toEqual(['cursor-auto', 'cursor-composer-2.5', 'cursor-composer-2.5-fast', 'cursor-gpt-5.5-high', 'cursor-grok-4.5-medium'])
  })

  test('the shim\'s log names the route and the workspace, never the prompt', () => {
    const log = readFileSync(join(env.CODEX_SHIM_HOME, 'codex-shim.log'), 'utf8')
    expect(log).toMatch(/POST \/v1\/responses model=cursor-composer-2\.5 upstream=cursor-agent.* status=200/)
    expect(log).toContain(`cursor-agent composer-2.5 in ${join(root, 'long')}`)
    expect(log).not.toContain('write sixty words')
  })
})
