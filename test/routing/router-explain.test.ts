import { afterAll, afterEach, beforeEach, describe, expect, spyOn, test } from 'bun:test'
import { runCommand } from 'citty'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import explain from '../../src/commands/router/explain.ts'
import { startClassifierUpstream } from '../fakes/classifier-upstream.ts'

const classifier = startClassifierUpstream()
afterAll(() => classifier.close())

const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, 'router-explain')
mkdirSync(dir, { recursive: true })
const models = [
  { slug: 'cheap-model', model: 'cheap-upstream', provider: 'generic-chat-completion-api', base_url: classifier.url },
  { slug: 'strong-model', model: 'strong-upstream', provider: 'generic-chat-completion-api', base_url: classifier.url },
]
const router = {
  enabled: true, slug: 'codex-auto', display_name: 'Auto (smart routing)', classifier: 'cheap-model', threshold: 0.7, default: 'cheap-model', cache: true,
  candidates: [
    { slug: 'cheap-model', cost: 0.3, supports_images: false, card: 'Fast. Single-file edits, small fixes.' },
    { slug: 'strong-model', cost: 5.0, supports_images: true, card: 'Frontier. Multi-file refactors, hard debugging.' },
  ],
}
function settingsFile(name: string, content: object): string {
  const path = join(dir, `${name}.json`)
  writeFileSync(path, JSON.stringify(content))
  return path
}
const good = settingsFile('good', { models, router })

describe('codex-shim router explain', () => {
  let printed: string[]
  let exits: number[]
  let spies: { mockRestore(): void }[]
  beforeEach(() => {
    printed = []
    exits = []
    spies = [
      spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void printed.push(parts.join(' '))),
      // runGuarded exits on failure; record the code instead of ending the test run.
      spyOn(process, 'exit').mockImplementation(((code?: number) => void exits.push(code ?? 0)) as never),
    ]
  })
  afterEach(() => spies.forEach((spy) => spy.mockRestore()))

  test('with CODEX_SHIM_DISABLE_ROUTER=1 it says what the proxy then does (the default) and asks no classifier', async () => {
    const before = classifier.requests.length
    process.env.CODEX_SHIM_DISABLE_ROUTER = '1'
    try {
      await runCommand(explain, { rawArgs: ['refactor the billing module', '--settings', good] })
    } finally {
      delete process.env.CODEX_SHIM_DISABLE_ROUTER
    }
    expect(printed.join('\n')).toContain('Chosen: cheap-model (the default: CODEX_SHIM_DISABLE_ROUTER=1)')
    expect(classifier.requests.length).toBe(before)
    expect(exits).toEqual([])
  })

  test('prints the scores and the choice as plain text, without running the task', async () => {
    const before = classifier.requests.length
    await runCommand(explain, { rawArgs: ['refactor the billing module', '--settings', good] })
    const output = printed.join('\n')
    expect(output).toContain('Router codex-auto: classifier cheap-model, threshold 0.70')
    expect(output).toMatch(/cheap-model\s+0\.20\s+0\.3\s+no/)
    expect(output).toMatch(/strong-model\s+0\.90\s+5\s+yes\s+<- chosen/)
    expect(output).toContain('Chosen: strong-model (the cheapest candidate scoring at least 0.70)')
    expect(output).not.toContain('\u001b[')
    expect(exits).toEqual([])
    // One request: the classifier's, not the task itself.
    expect(classifier.requests.length - before).toBe(1)
    expect(classifier.requests.at(-1)!.body.model).toBe('cheap-upstream')
  })

  test('--image keeps to image-capable candidates; --json is one JSON object', async () => {
    await runCommand(explain, { rawArgs: ['rename the logo per the screenshot', '--image', '--json', '--settings', good] })
    expect(JSON.parse(printed.join('\n'))).toEqual({ router: 'codex-auto', classifier: 'cheap-model', threshold: 0.7, image: true, chosen: 'strong-model', reason: 'classified', scores: { 'cheap-model': 0.9, 'strong-model': 0.6 } })
  })

  test('a failing classifier shows the default and exits 1', async () => {
    await runCommand(explain, { rawArgs: ['explode now', '--settings', good] })
    expect(printed.join('\n')).toContain('Chosen: cheap-model (the default: the classifier gave no usable answer (upstream_http 500))')
    expect(exits).toEqual([1])
  })

  test('a router section with a wrong candidate is a settings error (exit 2)', async () => {
    const bad = settingsFile('bad', { models, router: { ...router, candidates: [{ slug: 'ghost', cost: 1 }] } })
    await runCommand(explain, { rawArgs: ['anything', '--settings', bad] })
    expect(exits[0]).toBe(2)
    const none = settingsFile('none', { models })
    exits.length = 0
    await runCommand(explain, { rawArgs: ['anything', '--settings', none] })
    expect(exits[0]).toBe(2)
  })
})
