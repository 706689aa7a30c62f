import { afterAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { freshHomes, runCli, freePort } from '../support/cli.ts'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { storedRows } from './_support.ts'
import { fileHolds, PLANTED_KEY, PLANTED_PROMPT, tokensOf, withUsage } from './_ledger-clients.ts'

/**
 * Issue #20: real clients through the shim leave ledger rows whose token
 * figures are exactly what the fake upstreams reported (normalised: input
 * includes cached and cache-write tokens), a Codex tool loop is one task, and
 * neither a prompt nor a key reaches the database file.
 */

// The real Codex CLI (e2e: the Linux CI job runs these; the SDK half stays in ledger-clients.test.ts).
describe('the real Codex CLI → the daemon → a chat fake: ledger rows and `usage --by task`', () => {
  const homes = freshHomes('ledger-codex')
  const env = { ...homes, FAKE_CHAT_KEY: PLANTED_KEY }
  const port = freePort()
  const ONE_USAGE = { prompt: 4321, completion: 65, cached: 4000, reasoning: 7 }
  // Step i of the loop reports its own figures, so a task's sums are checkable.
  const stepUsage = (step: number) => ({ prompt: 1000 * (step + 1), completion: 10 * (step + 1), cached: 500 * step, reasoning: step })

  const userText = (body: Json) => body.messages.filter((m: Json) => m.role === 'user').map((m: Json) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n')
  const upstream = startFakeChatUpstream((body) => {
    const text = userText(body)
    if (text.includes('SCENARIO-LEDGER-LOOP')) {
      const step = body.messages.filter((m: Json) => m.role === 'tool').length
      if (step < 3) return stream(withUsage(toolCallReply([{ id: `call_step${step}`, name: 'exec_command', arguments: { cmd: `echo step${step} > step${step}.txt` } }]), stepUsage(step)))
      return stream(withUsage(textReply('LOOP-DONE'), stepUsage(step)))
    }
    if (text.includes('SCENARIO-LEDGER-ONE')) return stream(withUsage(textReply(`ONE-DONE ${PLANTED_PROMPT.length}`), ONE_USAGE))
    return stream(textReply('unknown scenario'))
  })
  const requestsFor = (keyword: string) => upstream.requests.filter((r) => userText(r.body).includes(keyword))
  const dbPath = join(homes.CODEX_SHIM_HOME, 'usage.db')

  mkdirSync(homes.CODEX_SHIM_HOME, { recursive: true })
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: upstream.url, api_key_env: 'FAKE_CHAT_KEY' }] }))
  afterAll(async () => {
    await stopDaemon(env)
    upstream.close()
  })

  test('one request, then a 3-step tool loop: rows equal the fake\'s figures; the loop is ONE task of 4 requests', async () => {
    const one = await runCodexExec({ env, port, prompt: `SCENARIO-LEDGER-ONE ${PLANTED_PROMPT}`, cwd: clientDir('ledger-codex', 'one') })
    expect({ code: one.code, timedOut: one.timedOut }).toEqual({ code: 0, timedOut: false })
    expect(one.stdout).toContain('ONE-DONE')
    const loop = await runCodexExec({ env, port, prompt: `SCENARIO-LEDGER-LOOP ${PLANTED_PROMPT}`, cwd: clientDir('ledger-codex', 'loop') })
    expect({ code: loop.code, timedOut: loop.timedOut }).toEqual({ code: 0, timedOut: false })
    expect(loop.stdout).toContain('LOOP-DONE')
    expect(readFileSync(join(loop.dir, 'step2.txt'), 'utf8').trim()).toBe('step2')
    expect(requestsFor('SCENARIO-LEDGER-ONE')).toHaveLength(1)
    expect(requestsFor('SCENARIO-LEDGER-LOOP')).toHaveLength(4)
    // Stopping the daemon flushes its ledger.
    expect((await stopDaemon(env)).code).toBe(0)

    const rows = storedRows(dbPath)
    expect(rows).toHaveLength(5)
    expect(rows.every((row) => row.dialect === 'responses' && row.slug === 'fake' && row.status === 200 && row.task_key)).toBe(true)
    const [oneRow, ...loopRows] = rows
    expect(tokensOf(oneRow!)).toEqual({ input: 4321, cached: 4000, cacheWrite: null, output: 65, reasoning: 7, estimated: false })
    expect(loopRows.map(tokensOf)).toEqual([0, 1, 2, 3].map((step) => {
      const usage = stepUsage(step)
      return { input: usage.prompt, cached: usage.cached, cacheWrite: null, output: usage.completion, reasoning: usage.reasoning, estimated: false }
    }))
    expect(new Set(loopRows.map((row) => row.task_key)).size).toBe(1)
    expect(loopRows[0]!.task_key).not.toBe(oneRow!.task_key)

    const report = runCli(['usage', '--by', 'task', '--json'], homes)
    expect(report.code).toBe(0)
    const tasks = JSON.parse(report.stdout).byok.rows as Json[]
    expect(tasks).toHaveLength(2)
    const loopTask = tasks.find((task) => task.task_key === loopRows[0]!.task_key)
    const sum = (pick: (step: number) => number) => [0, 1, 2, 3].reduce((total, step) => total + pick(step), 0)
    expect(loopTask).toMatchObject({
      requests: 4,
      errors: 0,
      input_tokens: sum((step) => stepUsage(step).prompt),
      cached_input_tokens: sum((step) => stepUsage(step).cached),
      output_tokens: sum((step) => stepUsage(step).completion),
      reasoning_tokens: sum((step) => stepUsage(step).reasoning),
      models: ['fake'], // the slug of the entry that served (after router and fallbacks)
    })
    expect(tasks.find((task) => task.task_key === oneRow!.task_key)).toMatchObject({ requests: 1, input_tokens: 4321, cached_input_tokens: 4000, output_tokens: 65 })
  }, 240_000)

  test('the daemon\'s database file holds neither the prompt nor the upstream key', () => {
    expect(fileHolds(dbPath, 'generic-chat-completion-api')).toBe(true)
    for (const secret of [PLANTED_KEY, PLANTED_PROMPT, 'SCENARIO-LEDGER', 'LOOP-DONE']) expect(fileHolds(dbPath, secret)).toBe(false)
  })
})
