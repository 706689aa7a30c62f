import { afterAll, expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { enableCodexConfig } from '../../src/codex/manage-config.ts'
import { runDoctor } from '../../src/doctor/checks.ts'
import { startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'

const fake = startFakeChatgpt()
afterAll(() => fake.close())

function managedBlockCheck(report: Awaited<ReturnType<typeof runDoctor>>) {
  return report.sections.find((section) => section.name === 'codex config')!.checks.find((check) => check.name === 'managed block')!
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
