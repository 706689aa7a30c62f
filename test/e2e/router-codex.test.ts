import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readRouterPrompt, startClassifierUpstream } from '../fakes/classifier-upstream.ts'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { freePort } from '../support/cli.ts'

/**
 * The auto router under the real Codex CLI (`codex exec` through
 * `codex-shim codex --model codex-auto`): Codex asks for the router's slug,
 * the classifier fake scores the task, and the chosen candidate (a scripted
 * chat fake that names itself) runs the agent loop. The daemon's log line
 * shows the slug Codex used and the model that served.
 */

const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-router-codex')
const port = freePort()

function userText(body: Json): string {
  return body.messages.filter((m: Json) => m.role === 'user').map((m: Json) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n')
}

// Both candidates: a tool loop of three steps on cue, else one answer naming the upstream model.
const models = startFakeChatUpstream((body) => {
  const steps = body.messages.filter((m: Json) => m.role === 'tool').length
  if (userText(body).includes('SCENARIO-LOOP') && steps < 3) {
    return stream(toolCallReply([{ id: `call_${steps}`, name: 'exec_command', arguments: { cmd: `echo step-${steps} >> steps.txt` } }]))
  }
  return stream(textReply(`ANSWERED-BY ${body.model} after ${steps} tool steps.`))
})
const classifier = startClassifierUpstream()
const env = { ...process.env, CODEX_SHIM_HOME: join(root, 'shim-home'), CODEX_HOME: join(root, 'codex-home') }

beforeAll(() => {
  mkdirSync(env.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(env.CODEX_HOME, { recursive: true })
  const chat = (slug: string, model: string, base: string) => ({ slug, model, provider: 'generic-chat-completion-api', base_url: base, display_name: slug })
  writeFileSync(
    join(env.CODEX_SHIM_HOME, 'models.json'),
    JSON.stringify({
      models: [chat('cheap-model', 'cheap-upstream', models.url), chat('strong-model', 'strong-upstream', models.url), chat('classifier', 'classifier-upstream', classifier.url)],
      router: {
        enabled: true, slug: 'codex-auto', display_name: 'Auto (smart routing)', classifier: 'classifier', threshold: 0.7, default: 'cheap-model', cache: true,
        candidates: [
          { slug: 'cheap-model', cost: 0.3, supports_images: false, card: 'Fast. Single-file edits, small fixes.' },
          { slug: 'strong-model', cost: 5.0, supports_images: true, card: 'Frontier. Multi-file refactors, hard debugging.' },
        ],
      },
    }),
  )
})

afterAll(async () => {
  await stopDaemon(env)
  models.close()
  classifier.close()
})

const codexExec = (name: string, prompt: string) => runCodexExec({ env, port, model: 'codex-auto', prompt, cwd: clientDir('e2e-router-codex', name) })

const classifierCallsFor = (keyword: string) => classifier.requests.filter((request) => readRouterPrompt(request.body).task.includes(keyword)).length
const upstreamModelsFor = (keyword: string) => models.requests.filter((request) => userText(request.body).includes(keyword)).map((request) => request.body.model)
const daemonLog = () => readFileSync(join(env.CODEX_SHIM_HOME, 'codex-shim.log'), 'utf8')

describe('the auto router under codex exec (real Codex CLI)', () => {
  test('"fix a typo" goes to the cheap model; Codex used the router\'s slug', async () => {
    const run = await codexExec('typo', 'SCENARIO-TYPO fix a typo in README.md')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('ANSWERED-BY cheap-upstream')
    expect(upstreamModelsFor('SCENARIO-TYPO')).toEqual(['cheap-upstream'])
    expect(classifierCallsFor('SCENARIO-TYPO')).toBe(1)
    expect(daemonLog()).toMatch(/POST \/v1\/responses model=codex-auto upstream=generic-chat-completion-api@127\.0\.0\.1:\d+ status=200 .*served=cheap-model/)
    expect(daemonLog()).not.toContain('SCENARIO-TYPO') // decisions are logged without the task text
  }, 60_000)

  test('"refactor across modules" goes to the strong model', async () => {
    const run = await codexExec('refactor', 'SCENARIO-REFACTOR refactor the storage code across modules')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('ANSWERED-BY strong-upstream')
    expect(upstreamModelsFor('SCENARIO-REFACTOR')).toEqual(['strong-upstream'])
    expect(daemonLog()).toMatch(/model=codex-auto .*served=strong-model/)
  }, 60_000)

  test('a three-step tool loop makes exactly one classifier call and stays on one model', async () => {
    const run = await codexExec('loop', 'SCENARIO-LOOP fix a typo, one step at a time')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('ANSWERED-BY cheap-upstream after 3 tool steps.')
    expect(readFileSync(join(run.dir, 'steps.txt'), 'utf8').trim().split('\n')).toEqual(['step-0', 'step-1', 'step-2'])
    expect(upstreamModelsFor('SCENARIO-LOOP')).toEqual(['cheap-upstream', 'cheap-upstream', 'cheap-upstream', 'cheap-upstream'])
    expect(classifierCallsFor('SCENARIO-LOOP')).toBe(1)
  }, 60_000)
})
