import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { chunk, startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { freePort } from '../support/cli.ts'

/**
 * The real Codex CLI (`codex exec`, pinned devDependency) runs its agent loop
 * through `codex-shim codex -- …` against a scripted fake Chat Completions
 * upstream. The "model" is chosen by a keyword in the prompt.
 */

const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-codex')
const mcpServer = join(import.meta.dir, '../fakes/mcp-server.ts')
const port = freePort()

const PATCH = '*** Begin Patch\n*** Add File: notes.txt\n+written by apply_patch\n*** End Patch\n'

function userText(body: Json): string {
  return body.messages.filter((m: Json) => m.role === 'user').map((m: Json) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n')
}

function script(body: Json) {
  const text = userText(body)
  const toolResults = body.messages.filter((m: Json) => m.role === 'tool')
  if (text.includes('SCENARIO-SHELL')) {
    if (!toolResults.length) return stream(toolCallReply([{ id: 'call_sh', name: 'exec_command', arguments: { cmd: 'echo made-by-shell > shell.txt' } }], { text: 'Creating the file.' }))
    return stream(textReply('SHELL-DONE: the file exists.'))
  }
  if (text.includes('SCENARIO-PATCH')) {
    if (!toolResults.length) return stream(toolCallReply([{ id: 'call_patch', name: 'apply_patch', arguments: { input: PATCH } }]))
    return stream(textReply('PATCH-DONE.'))
  }
  if (text.includes('SCENARIO-PARALLEL')) {
    if (!toolResults.length) {
      return stream(toolCallReply([
        { id: 'call_p1', name: 'exec_command', arguments: { cmd: 'echo one > one.txt' } },
        { id: 'call_p2', name: 'exec_command', arguments: { cmd: 'echo two > two.txt' } },
      ]))
    }
    return stream(textReply('PARALLEL-DONE.'))
  }
  if (text.includes('SCENARIO-MCP')) {
    if (!toolResults.length) return stream(toolCallReply([{ id: 'call_mcp', name: 'mcp__tiny__echo_tool', arguments: { text: 'ping-from-model' } }]))
    return stream(textReply(`MCP-DONE: ${toolResults.map((m: Json) => m.content).join(' | ')}`))
  }
  if (text.includes('SCENARIO-FLAKY')) {
    // The first attempt breaks off mid-answer (no finish_reason, no [DONE]); the retry answers.
    if (requestsFor('SCENARIO-FLAKY').length === 1) return stream([chunk({ role: 'assistant', content: '' }), chunk({ content: 'half an ans' })], { done: false })
    return stream(textReply('FLAKY-DONE after a retry.'))
  }
  if (text.includes('SCENARIO-REFUSED')) {
    // OpenRouter's moderation refusal, inside a 200 stream (openrouter.ai/docs/api/errors): `code` is the status.
    return stream([{ error: { code: 403, message: 'Input flagged by moderation', metadata: { reasons: ['example'], provider_name: 'Example' } } }])
  }
  return stream(textReply('unknown scenario'))
}

const upstream = startFakeChatUpstream(script)
const env = {
  ...process.env,
  CODEX_SHIM_HOME: join(root, 'shim-home'),
  CODEX_HOME: join(root, 'codex-home'),
}

beforeAll(() => {
  mkdirSync(env.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(env.CODEX_HOME, { recursive: true })
  writeFileSync(join(env.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: upstream.url, display_name: 'Fake' }] }))
})

afterAll(async () => {
  await stopDaemon(env)
  upstream.close()
})

const codexExec = (name: string, prompt: string, codexArgs: string[] = []) => runCodexExec({ env, port, prompt, cwd: clientDir('e2e-codex', name), codexArgs })

function requestsFor(keyword: string): Json[] {
  return upstream.requests.filter((r) => userText(r.body).includes(keyword)).map((r) => r.body)
}

describe('codex exec through codex-shim (real Codex CLI)', () => {
  test('a shell-tool loop creates a file and ends with the model\'s final message', async () => {
    const run = await codexExec('shell', 'SCENARIO-SHELL create a file')
    expect(run.code).toBe(0)
    expect(readFileSync(join(run.dir, 'shell.txt'), 'utf8').trim()).toBe('made-by-shell')
    expect(run.stdout).toContain('SHELL-DONE: the file exists.')
    const [first, second] = requestsFor('SCENARIO-SHELL')
    // Codex's system prompt (developer messages) became the chat system message.
    expect(first!.messages[0].role).toBe('system')
    expect(first!.tools.map((t: Json) => t.function.name)).toEqual(expect.arrayContaining(['exec_command', 'apply_patch']))
    // The second turn carries the call and its output, ids matching.
    const assistant = second!.messages.find((m: Json) => m.tool_calls)
    expect(assistant.tool_calls[0].id).toBe('call_sh')
    expect(second!.messages.find((m: Json) => m.role === 'tool').tool_call_id).toBe('call_sh')
    // The request is visible in the shim's log, one summary line each, no body.
    const log = readFileSync(join(env.CODEX_SHIM_HOME, 'codex-shim.log'), 'utf8')
    expect(log).toMatch(/POST \/v1\/responses model=fake upstream=generic-chat-completion-api@127\.0\.0\.1:\d+ status=200 .*stream=yes/)
    expect(log).not.toContain('SCENARIO-SHELL')
  })

  test('an apply_patch (freeform tool) loop edits a file', async () => {
    const run = await codexExec('patch', 'SCENARIO-PATCH add notes')
    expect(run.code).toBe(0)
    expect(readFileSync(join(run.dir, 'notes.txt'), 'utf8')).toBe('written by apply_patch\n')
    expect(run.stdout).toContain('PATCH-DONE.')
    const second = requestsFor('SCENARIO-PATCH')[1]!
    // Codex reported the custom tool call back; it went upstream as a wrapped function call.
    const call = second.messages.find((m: Json) => m.tool_calls).tool_calls[0]
    expect(call.function.name).toBe('apply_patch')
    expect(JSON.parse(call.function.arguments)).toEqual({ input: PATCH })
    expect(second.messages.find((m: Json) => m.role === 'tool').content).toContain('notes.txt')
  })

  test('two parallel tool calls in one turn both run and are answered', async () => {
    const run = await codexExec('parallel', 'SCENARIO-PARALLEL two files')
    expect(run.code).toBe(0)
    expect(existsSync(join(run.dir, 'one.txt'))).toBe(true)
    expect(existsSync(join(run.dir, 'two.txt'))).toBe(true)
    const second = requestsFor('SCENARIO-PARALLEL')[1]!
    const index = second.messages.findIndex((m: Json) => m.tool_calls)
    expect(second.messages[index].tool_calls.map((c: Json) => c.id)).toEqual(['call_p1', 'call_p2'])
    expect(second.messages.slice(index + 1, index + 3).map((m: Json) => [m.role, m.tool_call_id])).toEqual([['tool', 'call_p1'], ['tool', 'call_p2']])
  })

  test('a stream that breaks off mid-answer becomes response.failed, and Codex retries the turn to completion', async () => {
    const run = await codexExec('flaky', 'SCENARIO-FLAKY say something')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('FLAKY-DONE after a retry.')
    expect(requestsFor('SCENARIO-FLAKY')).toHaveLength(2)
  }, 60_000)

  test('a refusal of the request inside the stream: Codex stops at once with the upstream\'s words, no retries', async () => {
    const run = await codexExec('refused', 'SCENARIO-REFUSED say something')
    expect(run.code).not.toBe(0)
    expect(run.stdout + run.stderr).toContain('Input flagged by moderation')
    // As server_error, Codex sent the same request five times more to the same end.
    expect(requestsFor('SCENARIO-REFUSED')).toHaveLength(1)
  }, 60_000)

  test('an MCP namespace tool call is accepted by Codex and its result comes back', async () => {
    const run = await codexExec('mcp', 'SCENARIO-MCP echo something', ['-c', 'mcp_servers.tiny.command="bun"', '-c', `mcp_servers.tiny.args=[${JSON.stringify(mcpServer)}]`])
    expect(run.code).toBe(0)
    const [first, second] = requestsFor('SCENARIO-MCP')
    expect(first!.tools.map((t: Json) => t.function.name)).toContain('mcp__tiny__echo_tool')
    // Codex ran the tool: the result of the real MCP server is in the next request.
    expect(second!.messages.find((m: Json) => m.role === 'tool').content).toContain('echoed: ping-from-model')
    expect(run.stdout).toContain('MCP-DONE')
    expect(run.stdout + run.stderr).not.toContain('unsupported call')
  })
})
