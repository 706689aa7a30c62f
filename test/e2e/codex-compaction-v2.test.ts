import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeChatUpstream, stream, textReply, toolCallReply, usageChunk, type Json } from '../fakes/chat-upstream.ts'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { freePort } from '../support/cli.ts'

/**
 * Codex uses remote compaction v2 (spec §e.2) for a provider named "OpenAI", and for its built-in
 * `openai` provider pointed at codex-shim by `openai_base_url`: the history ends with a
 * `compaction_trigger` item, and the answer must hold exactly one `compaction` item, or the turn
 * fails ("remote compaction v2 expected exactly one compaction output item"). A chat upstream has
 * no such thing, so codex-shim writes it: the model's summary, as its own compactions carry one.
 */

const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-codex-compaction-v2')
const port = freePort()

function allText(body: Json): string {
  return body.messages.map((m: Json) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n')
}

function script(body: Json) {
  const text = allText(body)
  const toolResults = body.messages.filter((m: Json) => m.role === 'tool')
  // The summary request: no tools, the history so far.
  if (!body.tools?.length) return stream(textReply('SUMMARY-V2: c1.txt exists; next make c2.txt'))
  if (text.includes('SUMMARY-V2')) {
    if (!toolResults.length) return stream(toolCallReply([{ id: 'call_c2', name: 'exec_command', arguments: { cmd: 'echo two > c2.txt' } }]))
    return stream(textReply('COMPACTED-V2-DONE'))
  }
  // The first step reports a context nearly full, so Codex compacts before the next one.
  if (!toolResults.length) return stream([...toolCallReply([{ id: 'call_c1', name: 'exec_command', arguments: { cmd: 'echo one > c1.txt' } }]).slice(0, -1), usageChunk(250000, 30)])
  return stream(textReply('not compacted'))
}

const upstream = startFakeChatUpstream(script)
const env = { ...process.env, CODEX_SHIM_HOME: join(root, 'shim-home'), CODEX_HOME: join(root, 'codex-home') }

beforeAll(() => {
  mkdirSync(env.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(env.CODEX_HOME, { recursive: true })
  writeFileSync(join(env.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: upstream.url, display_name: 'Fake' }] }))
})

afterAll(async () => {
  await stopDaemon(env)
  upstream.close()
})

describe('codex exec with remote compaction v2 on a chat upstream (real Codex CLI)', () => {
  test('a compaction_trigger is answered with one compaction item, and the turn carries on from its summary', async () => {
    const run = await runCodexExec({ env, port, prompt: 'make two files', cwd: clientDir('e2e-codex-compaction-v2', 'v2'), codexArgs: ['-c', 'model_providers.codex_shim.name="OpenAI"'] })
    expect(run.stdout + run.stderr).not.toContain('expected exactly one compaction output item')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('COMPACTED-V2-DONE')
    expect(existsSync(join(run.dir, 'c2.txt'))).toBe(true)
    const summary = upstream.requests.find((r) => !r.body.tools?.length)!.body
    // The summary was asked of the history before the trigger, with nothing to call.
    expect(JSON.stringify(summary.messages)).toContain('echo one > c1.txt')
    expect(JSON.stringify(summary.messages)).not.toContain('compaction_trigger')
    expect(summary.tool_choice).toBeUndefined()
    // The turn after the compaction reads the summary where the compaction item was.
    const after = upstream.requests.filter((r) => allText(r.body).includes('SUMMARY-V2') && r.body.tools?.length)
    expect(after.length).toBeGreaterThan(0)
  }, 60_000)
})
