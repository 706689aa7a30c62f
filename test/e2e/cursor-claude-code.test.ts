import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { resetCursorServices } from '../../src/providers/cursor-agent.ts'
import { memoryLog, settingsFrom, startShim } from '../support/shim.ts'
import { clientDir, runClaude } from '../support/spawn-client.ts'

/**
 * Claude Code (`claude -p`, pinned devDependency) on `cursor-composer-2.5`
 * with no settings entry: Anthropic Messages in, the fake cursor-agent behind.
 * Claude Code sends no working directory the shim can read, so the workspace
 * comes from CODEX_SHIM_CURSOR_WORKSPACE.
 */
const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')
const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-cursor-claude')
const workspace = join(root, 'workspace')
const record = join(root, 'cursor-run.json')
const FINAL = "Let me look around. hahahaNow I'll edit it.Done: README.md has two lines."
const memory = memoryLog()
let shim: ReturnType<typeof startShim>

beforeAll(() => {
  mkdirSync(workspace, { recursive: true })
  Object.assign(process.env, { CURSOR_AGENT_BIN: fake, CODEX_SHIM_CURSOR_WORKSPACE: workspace, FAKE_CURSOR_RECORD: record })
  resetCursorServices()
  shim = startShim(settingsFrom([]), { log: memory.logger })
})
afterAll(() => {
  shim.close()
  for (const name of ['CURSOR_AGENT_BIN', 'CODEX_SHIM_CURSOR_WORKSPACE', 'FAKE_CURSOR_RECORD']) delete process.env[name]
  resetCursorServices()
})

describe('Claude Code on cursor-<id>', () => {
  test('claude -p gets the text, and runs none of cursor-agent\'s tools itself', async () => {
    rmSync(record, { force: true })
    const { code, stdout, stderr, dir } = await runClaude({
      baseUrl: shim.url,
      model: 'cursor-composer-2.5',
      prompt: 'Add a line to README.md',
      cwd: clientDir('e2e-cursor-claude', 'client'),
      allowedTools: 'Bash,Write,Read',
      args: ['--output-format', 'stream-json', '--verbose'],
      // Its background calls (titles, summaries) go to the same model instead of a Claude name the shim does not know.
      env: { ANTHROPIC_SMALL_FAST_MODEL: 'cursor-composer-2.5' },
    })
    expect({ code, stderr: code ? stderr : '' }).toEqual({ code: 0, stderr: '' })
    const events = stdout.split('\n').filter((line) => line.startsWith('{')).map((line) => JSON.parse(line) as { type: string; message?: { content: { type: string; text?: string }[] }; result?: string; is_error?: boolean; num_turns?: number })
    const blocks = events.filter((event) => event.type === 'assistant').flatMap((event) => event.message!.content)
    // The three text segments (split where cursor-agent's tools ran) are the answer, each once.
    expect(blocks.filter((block) => block.type === 'text').map((block) => block.text).join('')).toBe(FINAL)
    expect(blocks.filter((block) => block.type === 'tool_use')).toEqual([])
    const result = events.find((event) => event.type === 'result')!
    expect(result).toMatchObject({ is_error: false, result: 'Done: README.md has two lines.' })
    // One turn: no tool_use came back, so Claude Code ran nothing (and wrote no README.md).
    expect(result.num_turns).toBe(1)
    expect(existsSync(join(dir, 'README.md'))).toBe(false)
    const seen = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; stdin: string }
    expect(seen.argv[seen.argv.indexOf('--workspace') + 1]).toBe(workspace)
    expect(seen.stdin).toContain('Add a line to README.md')
    expect(memory.lines.join('\n')).not.toContain('Add a line to README.md')
  }, 60_000)
})
