import { afterEach, describe, expect, test } from 'bun:test'
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { usableCursorModels } from '../../src/cursor/availability.ts'
import { createCursorServices } from '../../src/cursor/turn.ts'
import { ShimError } from '../../src/errors.ts'
import { resetCursorServices } from '../../src/providers/cursor-agent.ts'
import { ModelList } from '../../src/routing/model-list.ts'
import { settingsFrom } from '../support/shim.ts'

// POSIX: the fake cursor-agent is a script run by its shebang.

/**
 * Cursor's models join the one model list as `cursor-<id>` while the fake
 * cursor-agent is installed and logged in: listed, in Codex's catalog,
 * resolvable, and gone again when the login is not usable.
 */
const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')
const calls = join(process.env.CODEX_SHIM_TEST_ROOT!, 'cursor-model-list-calls.txt')
const FAKE_IDS = ['auto', 'composer-2.5', 'composer-2.5-fast', 'gpt-5.5-high', 'grok-4.5-medium']
const configured = settingsFrom([{ slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1' }])

function listFor(env: Record<string, string> = {}, settings = configured) {
  return new ModelList(settings, { chatgpt: null, cursor: createCursorServices({ ...process.env, CURSOR_AGENT_BIN: fake, FAKE_CURSOR_CALLS: calls, ...env }) })
}

afterEach(() => {
  rmSync(calls, { force: true })
  delete process.env.CURSOR_AGENT_BIN
  delete process.env.CODEX_SHIM_DISABLE_CURSOR
  resetCursorServices()
})

describe('Cursor models in the model list', () => {
  test('all(): configured first, then every Cursor model as cursor-<id> with the listing\'s names', async () => {
    const all = await listFor().all()
    expect(all.map((entry) => entry.id)).toEqual(['ds', ...FAKE_IDS.map((id) => `cursor-${id}`)])
    const grok = all.find((entry) => entry.id === 'cursor-grok-4.5-medium')!
    // The label is the listing's, never derived from the id (they disagree here).
    expect(grok).toMatchObject({ display_name: 'Cursor Grok 4.5 Low', provider: 'cursor-agent', source: 'cursor' })
    expect(grok.model).toMatchObject({ slug: 'cursor-grok-4.5-medium', model: 'grok-4.5-medium', provider: 'cursor-agent', provider_label: 'cursor-agent', no_image_support: true })
  })

  test('a settings entry that already uses a cursor-<id> name keeps it', async () => {
    const settings = settingsFrom([{ slug: 'cursor-composer-2.5', model: 'composer-2.5', provider: 'cursor-agent', display_name: 'My Composer', workspace: '/tmp' }])
    const all = await listFor({}, settings).all()
    expect(all.filter((entry) => entry.id === 'cursor-composer-2.5')).toEqual([expect.objectContaining({ display_name: 'My Composer', source: 'settings' })])
    expect(all).toHaveLength(FAKE_IDS.length)
  })

  test('resolve(): cursor-<id> and the original\'s Composer 2.5 names become cursor-agent routes', async () => {
    const list = listFor()
    const route = await list.resolve('cursor-gpt-5.5-high')
    expect(route.slug).toBe('cursor-gpt-5.5-high')
    expect(route.model).toMatchObject({ provider_label: 'cursor-agent', model: 'gpt-5.5-high', display_name: 'GPT-5.5 High' })
    for (const name of ['composer-2-5', 'composer-2.5', 'cursor-composer-2-5']) {
      const alias = await list.resolve(name)
      expect([alias.slug, alias.model.model]).toEqual([name, 'composer-2.5'])
    }
    // Settings still come first.
    expect((await list.resolve('ds')).model.provider_label).toBe('generic-chat-completion-api')
  })

  test('an unknown cursor-<id> names the Cursor models that exist', async () => {
    const error = (await listFor().resolve('cursor-nope').catch((caught) => caught)) as ShimError
    expect(error).toBeInstanceOf(ShimError)
    expect(error.kind).toBe('unknown_model')
    expect(error.message).toContain('"cursor-nope"')
    expect(error.message).toContain('cursor-composer-2.5')
    expect(error.message).toContain('cursor-agent models')
  })

  test('one status probe and one listing serve many lookups (cached), and /health\'s answer never waits', async () => {
    const list = listFor()
    // Before any probe has finished, /health says false rather than waiting on cursor-agent.
    expect(list.cursorPassthrough()).toBe(false)
    await Promise.all([list.all(), list.all(), list.resolve('cursor-auto'), list.catalog('base')])
    await list.resolve('cursor-composer-2.5')
    expect(list.cursorPassthrough()).toBe(true)
    const invoked = readFileSync(calls, 'utf8').trim().split('\n').sort()
    expect(invoked).toEqual(['models', 'status'])
  })

  test('the Codex catalog: Cursor entries after configured ones, text-only input, ranked last, no effort knob', async () => {
    const { models } = await listFor().catalog('BASE')
    expect(models.map((model) => model.slug)).toEqual(['ds', ...FAKE_IDS.map((id) => `cursor-${id}`)])
    const composer = models.find((model) => model.slug === 'cursor-composer-2.5')!
    expect(composer).toMatchObject({ display_name: 'Composer 2.5', input_modalities: ['text'], base_instructions: 'BASE', visibility: 'list', supported_reasoning_levels: [] })
    expect(composer.priority as number).toBeGreaterThanOrEqual(11_000)
  })

  test.each([
    ['logged-out', { FAKE_CURSOR_STATUS: 'logged-out' }],
    ['logged out on stderr', { FAKE_CURSOR_STATUS: 'logged-out-stderr' }],
    ['degraded login', { FAKE_CURSOR_STATUS: 'degraded' }],
    ['logged in, no models', { FAKE_CURSOR_MODELS: 'empty' }],
  ])('%s: no Cursor model is listed, in the catalog, or offered by /health', async (_name, env) => {
    const list = listFor(env)
    expect((await list.all()).map((entry) => entry.id)).toEqual(['ds'])
    expect((await list.catalog('BASE')).models.map((model) => model.slug)).toEqual(['ds'])
    expect(list.cursorPassthrough()).toBe(false)
  })

  test('logged out, a cursor-<id> request gets the login hint, not "unknown model"', async () => {
    const error = (await listFor({ FAKE_CURSOR_STATUS: 'logged-out' }).resolve('cursor-composer-2.5').catch((caught) => caught)) as ShimError
    expect(error.kind).toBe('auth_expired')
    expect(error.message).toContain('cursor-agent login')
  })

  test('status text we do not recognise is not "logged out": the listing decides', async () => {
    expect((await listFor({ FAKE_CURSOR_STATUS: 'garbled' }).all()).map((entry) => entry.id)).toContain('cursor-composer-2.5')
  })

  test('a status that timed out lists nothing, and no models listing is started after it', async () => {
    let listed = 0
    const models = await usableCursorModels({
      bin: async () => fake,
      status: async () => ({ state: 'unknown', detail: 'cursor-agent status did not answer within 5 s.', timedOut: true }),
      models: async () => {
        listed++
        return [{ id: 'composer-2.5', name: 'Composer 2.5' }]
      },
    })
    expect([models, listed]).toEqual([[], 0])
  })

  test('no binary, or CODEX_SHIM_DISABLE_CURSOR=1: nothing listed and cursor-<id> is an unknown model', async () => {
    const none = new ModelList(configured, { chatgpt: null, cursor: createCursorServices({ ...process.env, CURSOR_AGENT_BIN: '/nonexistent/cursor-agent' }) })
    expect((await none.all()).map((entry) => entry.id)).toEqual(['ds'])
    expect(((await none.resolve('cursor-composer-2.5').catch((caught) => caught)) as ShimError).kind).toBe('unknown_model')

    // The default (no `cursor` given) is the process's own set, which the switch turns off.
    process.env.CURSOR_AGENT_BIN = fake
    process.env.CODEX_SHIM_DISABLE_CURSOR = '1'
    const disabled = new ModelList(configured, { chatgpt: null })
    expect((await disabled.all()).map((entry) => entry.id)).toEqual(['ds'])
    delete process.env.CODEX_SHIM_DISABLE_CURSOR
    resetCursorServices()
    expect((await new ModelList(configured, { chatgpt: null }).all()).map((entry) => entry.id)).toContain('cursor-composer-2.5')
  })
})
