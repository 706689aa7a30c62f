import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { generateFiles } from '../../src/codex/generate.ts'
import { createHandler } from '../../src/server/app.ts'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, testDeps } from '../support/shim.ts'
import { clientDir, runCodexExec } from '../support/spawn-client.ts'

/**
 * The real Codex CLI applies a multi-hunk apply_patch (two hunks in one file,
 * plus a new file) that a chat and an Anthropic upstream stream in 3-character
 * pieces of JSON. The shim runs in this process so the test can read what it
 * sent Codex: the patch must arrive as many custom_tool_call_input.delta
 * events, not one at the end.
 */
const ORIGINAL = ['export function greet() {', '  return "hi"', '}', '', '// filler 1', '// filler 2', '// filler 3', '// filler 4', '', 'export function bye() {', '  return "bye"', '}', ''].join('\n')
const PATCH = [
  '*** Begin Patch',
  '*** Update File: lib.ts',
  '@@ export function greet() {',
  '-  return "hi"',
  '+  return "héllo \\"there\\""',
  '@@ export function bye() {',
  '-  return "bye"',
  '+  return "see you\\tsoon"',
  '*** Add File: notes/readme.md',
  '+# Notes',
  '+written by a streamed patch',
  '*** End Patch',
  '',
].join('\n')
const EXPECTED = ORIGINAL.replace('  return "hi"', '  return "héllo \\"there\\""').replace('  return "bye"', '  return "see you\\tsoon"')

function userText(body: Json): string {
  return JSON.stringify(body.messages.filter((m: Json) => m.role === 'user'))
}

const chat = startFakeChatUpstream((body) => {
  if (body.messages.some((m: Json) => m.role === 'tool')) return stream(textReply('CHAT-PATCH-DONE'))
  if (!userText(body).includes('SCENARIO-PATCH')) return stream(textReply('unknown scenario'))
  return stream(toolCallReply([{ id: 'call_patch', name: 'apply_patch', arguments: { input: PATCH } }], { size: 3 }))
})
const anthropic = startFakeAnthropicUpstream((body) => {
  const answered = body.messages.some((m: Json) => m.role === 'user' && Array.isArray(m.content) && m.content.some((b: Json) => b.type === 'tool_result'))
  if (answered) return events(messageEvents([{ text: 'CLAUDE-PATCH-DONE' }]))
  return events(messageEvents([{ thinking: 'Patch both hunks.' }, { tool: { id: 'toolu_patch', name: 'apply_patch', input: { input: PATCH } } }], { size: 3 }))
})

const settings = settingsFrom([
  chatModel(chat.url),
  { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anthropic.url, api_key: 'sk-ant-fake-key', reasoning_effort: 'high' },
])
const deps = testDeps(settings)
const handle = createHandler(deps)
/** Per Responses request the shim answered: how many custom_tool_call_input.delta events Codex received. */
const deltaCounts: number[] = []
const tally = async (body: ReadableStream<Uint8Array>) => {
  const text = await new Response(body).text()
  deltaCounts.push(text.split('event: response.custom_tool_call_input.delta\n').length - 1)
}
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 0,
  async fetch(request, srv) {
    const response = await handle(request, srv)
    if (!new URL(request.url).pathname.endsWith('/responses') || !response.body) return response
    const [toCodex, toTest] = response.body.tee()
    void tally(toTest)
    return new Response(toCodex, { status: response.status, headers: response.headers })
  },
})
deps.port = server.port!
let catalogPath = ''

beforeAll(async () => {
  catalogPath = (await generateFiles(settings, { port: server.port! })).catalogPath
})

afterAll(() => {
  server.stop(true)
  chat.close()
  anthropic.close()
})

async function codexExec(name: string, model: string, prompt: string) {
  const dir = clientDir('e2e-apply-patch-stream', name)
  writeFileSync(join(dir, 'lib.ts'), ORIGINAL)
  const env = { CODEX_HOME: clientDir('e2e-apply-patch-stream', `${name}-codex-home`) }
  const before = deltaCounts.length
  const { code, stdout, stderr } = await runCodexExec({ env, port: server.port!, catalogPath, model, prompt, cwd: dir })
  for (let i = 0; i < 50 && deltaCounts.length < before + 2; i++) await Bun.sleep(20) // the tee finishes just after Codex's read
  return { code, stdout, stderr, dir, counts: deltaCounts.slice(before) }
}

describe('codex exec applies a streamed multi-hunk apply_patch (real Codex CLI, shim in process)', () => {
  test.each([
    ['chat', 'fake', 'CHAT-PATCH-DONE'],
    ['anthropic', 'claude', 'CLAUDE-PATCH-DONE'],
  ])('%s upstream: both hunks and the new file are on disk, and the patch reached Codex in many deltas', async (name, model, done) => {
    const run = await codexExec(name, model, 'SCENARIO-PATCH edit lib.ts')
    if (run.code !== 0) console.error(run.stderr.slice(-2000))
    expect(run.code).toBe(0)
    expect(readFileSync(join(run.dir, 'lib.ts'), 'utf8')).toBe(EXPECTED)
    expect(readFileSync(join(run.dir, 'notes/readme.md'), 'utf8')).toBe('# Notes\nwritten by a streamed patch\n')
    expect(run.stdout).toContain(done)
    // The turn with the call: its input came as many deltas (the arguments arrived in 3-character pieces).
    expect(Math.max(...run.counts)).toBeGreaterThan(10)
  }, 90_000)
})
