import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * Claude Code (`claude -p`, pinned devDependency) talks Anthropic Messages to
 * the shim, which translates to a fake Chat Completions upstream. The fake
 * "model" asks for Claude Code's Bash tool, then answers.
 */
const upstream = startFakeChatUpstream((body: Json) => {
  const answered = body.messages.some((m: Json) => m.role === 'tool')
  if (!body.tools?.length) return stream(textReply('A title'))
  if (!answered) return stream(toolCallReply([{ id: 'call_cc', name: 'Bash', arguments: { command: 'echo from-claude-code > cc.txt', description: 'Create cc.txt' } }]))
  return stream(textReply('CLAUDE-CODE-DONE'))
})
const shim = startShim(settingsFrom([{ slug: 'claude-sonnet-4-5', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: upstream.url }]))
afterAll(() => {
  shim.close()
  upstream.close()
})

describe('Claude Code through /v1/messages', () => {
  test('claude -p completes a tool-using turn against a chat-completions upstream', async () => {
    const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, 'claude-code')
    mkdirSync(dir, { recursive: true })
    const child = Bun.spawn(['claude', '-p', 'Create cc.txt please', '--model', 'claude-sonnet-4-5', '--allowedTools', 'Bash,Write,Read'], {
      cwd: dir,
      stdin: 'ignore',
      stdout: 'pipe',
      stderr: 'pipe',
      env: {
        PATH: process.env.PATH!,
        HOME: process.env.HOME!,
        ANTHROPIC_BASE_URL: shim.url,
        ANTHROPIC_API_KEY: 'sk-ant-client-side',
        DISABLE_TELEMETRY: '1',
        DISABLE_AUTOUPDATER: '1',
        DISABLE_ERROR_REPORTING: '1',
        CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      },
    })
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
    expect({ code, stderr: code ? stderr : '' }).toEqual({ code: 0, stderr: '' })
    expect(stdout).toContain('CLAUDE-CODE-DONE')
    expect(readFileSync(join(dir, 'cc.txt'), 'utf8').trim()).toBe('from-claude-code')
    // Claude Code's tool_result reached the chat upstream as a tool message answering the call.
    const last = upstream.requests.at(-1)!.body
    const tool = last.messages.find((m: Json) => m.role === 'tool')
    expect(tool.tool_call_id).toBe('call_cc')
    expect(last.messages[0].role).toBe('system') // Claude Code's system prompt
    expect(last.tools.map((t: Json) => t.function.name)).toContain('Bash')
  })
})
