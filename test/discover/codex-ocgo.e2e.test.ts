import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { events, messageEvents } from '../fakes/anthropic-upstream.ts'
import { stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { startFakeOpencodeGo } from '../fakes/opencode-go.ts'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { spawnCommand } from './_spawn.ts'
import { freePort } from '../support/cli.ts'

/**
 * The real Codex CLI runs a tool loop through codex-shim on rows that
 * `opencode-go refresh` generated: one served on chat, one on messages. The
 * fake refuses any request without `x-opencode-session` (as OpenCode Go does
 * since 2026-09), so these pass only once the chat and anthropic providers
 * send the header (src/providers/opencode-session.ts), one id per conversation.
 */

const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-ocgo')
const port = freePort()
const KEY = 'sk-ocgo-e2e-planted-secret'

const chatUserText = (body: Json) => body.messages.filter((m: Json) => m.role === 'user').map((m: Json) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n')
const messagesUserText = (body: Json) => body.messages.filter((m: Json) => m.role === 'user').flatMap((m: Json) => (typeof m.content === 'string' ? [{ text: m.content }] : m.content)).map((b: Json) => b.text ?? '').join('\n')

const fake = startFakeOpencodeGo({
  key: KEY,
  models: [
    { id: 'glm-5', chat: 'ok', messages: 'reject' },
    { id: 'minimax-m2.5', chat: 'reject', messages: 'ok' },
  ],
  chatScript(body) {
    if (!chatUserText(body).includes('SCENARIO-OCGO-CHAT')) return stream(textReply('unknown scenario'))
    if (!body.messages.some((m: Json) => m.role === 'tool')) return stream(toolCallReply([{ id: 'call_go', name: 'exec_command', arguments: { cmd: 'echo via-go-chat > go-chat.txt' } }]))
    return stream(textReply('OCGO-CHAT-DONE'))
  },
  messagesScript(body) {
    if (!messagesUserText(body).includes('SCENARIO-OCGO-MESSAGES')) return events(messageEvents([{ text: 'unknown scenario' }]))
    const answered = body.messages.some((m: Json) => m.role === 'user' && Array.isArray(m.content) && m.content.some((b: Json) => b.type === 'tool_result'))
    if (!answered) return events(messageEvents([{ thinking: 'Run the command.' }, { tool: { id: 'toolu_go', name: 'exec_command', input: { cmd: 'echo via-go-messages > go-messages.txt' } } }]))
    return events(messageEvents([{ thinking: 'Done.' }, { text: 'OCGO-MESSAGES-DONE' }]))
  },
})

const env = {
  ...process.env,
  CODEX_SHIM_HOME: join(root, 'shim-home'),
  CODEX_HOME: join(root, 'codex-home'),
  OPENCODE_GO_API_KEY: KEY,
  OPENCODE_GO_BASE_URL: fake.url,
}

beforeAll(async () => {
  mkdirSync(env.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(env.CODEX_HOME, { recursive: true })
  const refresh = await spawnCommand(['opencode-go', 'refresh', '--yes'], env)
  if (refresh.code !== 0) throw new Error(`refresh failed: ${refresh.output}`)
})

afterAll(async () => {
  await stopDaemon(env)
  fake.close()
})

const codexExec = (name: string, model: string, prompt: string) => runCodexExec({ env, port, model, prompt, cwd: clientDir('e2e-ocgo', name) })

const inference = (keyword: string) =>
  fake.requests.filter((r) => r.method === 'POST' && r.body?.stream === true && JSON.stringify(r.body.messages ?? []).includes(keyword))

describe('codex exec on generated ocgo-* rows (real Codex CLI)', () => {
  test('the refresh wrote a chat row and a messages row', () => {
    const models = JSON.parse(readFileSync(join(env.CODEX_SHIM_HOME, 'models.json'), 'utf8')).models
    expect(models.map((m: Json) => [m.slug, m.provider])).toEqual([
      ['ocgo-glm-5', 'generic-chat-completion-api'],
      ['ocgo-minimax-m2-5', 'anthropic'],
    ])
  })

  test('a shell-tool loop on the chat row, every request with one x-opencode-session', async () => {
    const run = await codexExec('chat', 'ocgo-glm-5', 'SCENARIO-OCGO-CHAT make a file')
    const requests = inference('SCENARIO-OCGO-CHAT')
    expect(requests.length).toBeGreaterThanOrEqual(2)
    const sessions = new Set(requests.map((r) => r.headers['x-opencode-session']))
    expect(sessions.has(undefined as unknown as string)).toBe(false)
    expect(sessions.size).toBe(1)
    expect(requests.every((r) => r.path === '/chat/completions' && r.headers.authorization === `Bearer ${KEY}`)).toBe(true)
    expect(run.code).toBe(0)
    expect(readFileSync(join(run.dir, 'go-chat.txt'), 'utf8').trim()).toBe('via-go-chat')
    expect(run.stdout).toContain('OCGO-CHAT-DONE')
  })

  test('a shell-tool loop on the messages row, with its own session id', async () => {
    const run = await codexExec('messages', 'ocgo-minimax-m2-5', 'SCENARIO-OCGO-MESSAGES make a file')
    const requests = inference('SCENARIO-OCGO-MESSAGES')
    expect(requests.length).toBeGreaterThanOrEqual(2)
    const sessions = new Set(requests.map((r) => r.headers['x-opencode-session']))
    expect(sessions.has(undefined as unknown as string)).toBe(false)
    expect(sessions.size).toBe(1)
    // Another conversation, another id.
    expect(sessions.has(inference('SCENARIO-OCGO-CHAT')[0]?.headers['x-opencode-session'] as string)).toBe(false)
    expect(requests.every((r) => r.path === '/messages' && r.headers['x-api-key'] === KEY)).toBe(true)
    expect(run.code).toBe(0)
    expect(readFileSync(join(run.dir, 'go-messages.txt'), 'utf8').trim()).toBe('via-go-messages')
    expect(run.stdout).toContain('OCGO-MESSAGES-DONE')
  })
})
