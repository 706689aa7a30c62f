import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'
import { clientDir, runClaude } from '../support/spawn-client.ts'

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
    const { code, stdout, stderr, dir } = await runClaude({ baseUrl: shim.url, model: 'claude-sonnet-4-5', prompt: 'Create cc.txt please', allowedTools: 'Bash,Write,Read', cwd: clientDir('claude-code') })
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

describe('the spawn helper', () => {
  test('a client that hangs is killed at the timeout with what it started, and the run says so', async () => {
    // A stand-in `claude` whose child keeps stdout open: killing only the client would leave the run
    // waiting on that child for ten minutes, so returning at all proves the whole group was killed.
    const bin = clientDir('claude-code-hang', 'bin')
    writeFileSync(join(bin, 'claude'), '#!/bin/sh\necho started\nsleep 600\n')
    chmodSync(join(bin, 'claude'), 0o755)
    const run = await runClaude({ baseUrl: shim.url, model: 'claude-sonnet-4-5', prompt: 'hang', cwd: clientDir('claude-code-hang', 'work'), env: { PATH: `${bin}:${process.env.PATH}` }, timeoutMs: 1000 })
    expect({ timedOut: run.timedOut, stdout: run.stdout }).toEqual({ timedOut: true, stdout: 'started\n' })
    expect(run.code).not.toBe(0)
  })
})
