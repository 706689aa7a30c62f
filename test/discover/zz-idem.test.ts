import { afterAll, expect, test } from 'bun:test'
import { readFileSync, writeFileSync, symlinkSync, mkdirSync, lstatSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeListingServer } from '../fakes/openai-listing.ts'
import { freshHome, spawnCommand } from './_spawn.ts'

const ollama = startFakeListingServer({ style: 'ollama', models: [{ id: 'qwen3:8b', name: 'qwen3:8b', serves: ['chat'] }, { id: 'llama3', serves: ['messages'] }] })
afterAll(() => ollama.close())

const variants: Record<string, string> = {
  crlfTabs: '{\r\n\t"models": [\r\n\t\t{ "slug": "mine", "model": "m", "provider": "openai", "api_key_env": "K" }\r\n\t]\r\n}\r\n',
  bom: '\uFEFF{\n  "models": []\n}\n',
  customOnly: '{\n  "customModels": [\n    {"model": "m", "provider": "openai"}\n  ],\n  "big": 12345678901234567890\n}\n',
  oneLine: '{"models":[{"slug":"mine","model":"m","provider":"openai"}]}',
  empty: '',
  noList: '{\n  "aliases": {}\n}\n',
  emptyObj: '{}',
}
for (const [name, text] of Object.entries(variants)) {
  test(`idempotent: ${name}`, async () => {
    const { home, settings } = freshHome(`idem-${name}`)
    writeFileSync(settings, text)
    const a = await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: home })
    expect(a.code).toBe(0)
    const first = readFileSync(settings, 'utf8')
    const b = await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: home })
    expect(b.code).toBe(0)
    expect(readFileSync(settings, 'utf8')).toBe(first)
    expect(b.stdout).toContain('already up to date')
    console.log(name, JSON.stringify(first))
  })
}

test('symlinked models.json', async () => {
  const { home, settings } = freshHome('idem-link')
  mkdirSync(join(home, 'dot'))
  writeFileSync(join(home, 'dot', 'models.json'), variants.crlfTabs!)
  symlinkSync(join(home, 'dot', 'models.json'), settings)
  const a = await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: home })
  expect(a.code).toBe(0)
  expect(lstatSync(settings).isSymbolicLink()).toBe(true)
  expect(readFileSync(join(home, 'dot', 'models.json'), 'utf8')).toContain('local-qwen3-8b')
})
