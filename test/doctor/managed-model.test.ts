import { afterAll, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { enableCodexConfig } from '../../src/codex/manage-config.ts'
import { runDoctor } from '../../src/doctor/checks.ts'
import { startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'

const fake = startFakeChatgpt()
afterAll(() => fake.close())

function managedBlockCheck(report: Awaited<ReturnType<typeof runDoctor>>) {
  return report.sections.find((section) => section.name === 'Codex config')!.checks.find((check) => check.name === 'managed block')!
}

test("doctor accepts a managed model from the ChatGPT plan, not only from settings, and still flags one nobody serves", async () => {
  const base = join(process.env.CODEX_SHIM_TEST_ROOT!, `doctor-managed-${crypto.randomUUID().slice(0, 8)}`)
  process.env.CODEX_HOME = join(base, 'codex')
  process.env.CODEX_SHIM_HOME = join(base, 'shim')
  process.env.CODEX_SHIM_CHATGPT_BASE_URL = fake.base
  mkdirSync(process.env.CODEX_HOME, { recursive: true })
  mkdirSync(process.env.CODEX_SHIM_HOME, { recursive: true })
  writeAuth(join(process.env.CODEX_HOME, 'auth.json'), { access: fake.validAccess, refresh: 'rt' })
  writeFileSync(join(process.env.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'local', model: 'm', provider: 'ollama' }] }))
  try {
    enableCodexConfig({ model: 'gpt-5.5', port: 8765, catalogPath: '/c.json' })
    // Before: "model "gpt-5.5" is not in your settings" though the plan serves it.
    expect(managedBlockCheck(await runDoctor())).toMatchObject({ status: 'ok', detail: 'model gpt-5.5, port 8765' })
    enableCodexConfig({ model: 'gone-model', port: 8765, catalogPath: '/c.json' })
    const flagged = managedBlockCheck(await runDoctor())
    expect(flagged.status).toBe('fail')
    expect(flagged.detail).toContain('"gone-model" is not one codex-shim serves')
  } finally {
    delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
  }
})

test('doctor names the auto router and each model\'s fallbacks; a model that needs no key says so plainly', async () => {
  const base = join(process.env.CODEX_SHIM_TEST_ROOT!, `doctor-router-${crypto.randomUUID().slice(0, 8)}`)
  process.env.CODEX_HOME = join(base, 'codex')
  process.env.CODEX_SHIM_HOME = join(base, 'shim')
  mkdirSync(process.env.CODEX_HOME, { recursive: true })
  mkdirSync(process.env.CODEX_SHIM_HOME, { recursive: true })
  writeFileSync(join(process.env.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({
    models: [{ slug: 'cheap', model: 'c', provider: 'ollama', fallbacks: ['strong'] }, { slug: 'strong', model: 's', provider: 'ollama' }],
    router: { enabled: true, slug: 'codex-auto', classifier: 'cheap', default: 'cheap', threshold: 0.7, candidates: [{ slug: 'cheap', cost: 0.1, card: 'small' }, { slug: 'strong', cost: 5, card: 'big' }] },
  }))
  const settings = (await runDoctor()).sections.find((section) => section.name === 'Settings')!.checks
  expect(settings.find((check) => check.name === 'cheap')!.detail).toBe('ollama http://127.0.0.1:11434/v1 (c); key: none needed; falls back to strong')
  expect(settings.find((check) => check.name === 'codex-auto')).toMatchObject({ status: 'ok', detail: 'auto router: cheap, strong; classifier cheap, default cheap' })
  process.env.CODEX_SHIM_DISABLE_ROUTER = 'yes'
  try {
    expect(((await runDoctor()).sections.find((section) => section.name === 'Settings')!.checks.find((check) => check.name === 'codex-auto'))!.status).toBe('warn')
  } finally {
    delete process.env.CODEX_SHIM_DISABLE_ROUTER
  }
})
