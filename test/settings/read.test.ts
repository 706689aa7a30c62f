import { afterEach, describe, expect, test } from 'bun:test'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadSettings, SettingsError } from '../../src/settings/load.ts'
import { readSettings } from '../../src/settings/read.ts'

const dir = mkdtempSync(join(tmpdir(), 'codex-shim-read-settings-'))
const defaultFile = join(process.env.CODEX_SHIM_HOME!, 'models.json')
afterEach(() => rmSync(defaultFile, { force: true, recursive: true }))

describe('readSettings: what the proxy’s start reads, the parser loaded only for a file', () => {
  test('a file gives what loadSettings gives, errors included', async () => {
    const good = join(dir, 'good.json')
    writeFileSync(good, JSON.stringify({ models: [{ slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1' }], aliases: { fast: { slug: 'ds', reasoning_effort: 'low' } } }))
    expect(await readSettings(good)).toEqual(loadSettings(good))
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, JSON.stringify({ models: [{ model: 'x', provider: 'nope' }] }))
    const refusal = await readSettings(bad).catch((error: unknown) => error)
    expect(refusal).toBeInstanceOf(SettingsError)
    expect((refusal as SettingsError).message).toBe((() => { try { loadSettings(bad) } catch (error) { return (error as Error).message } })()!)
  })

  test('the default file absent: no models, like loadSettings; present: parsed', async () => {
    expect(await readSettings()).toEqual(loadSettings())
    expect((await readSettings()).models).toEqual([])
    writeFileSync(defaultFile, JSON.stringify({ models: [{ model: 'qwen3', provider: 'ollama' }] }))
    expect((await readSettings()).models.map((model) => model.slug)).toEqual(['qwen3'])
  })

  test('an explicit file that is not there is an error naming it', async () => {
    const missing = join(dir, 'missing.json')
    const refusal = await readSettings(missing).catch((error: unknown) => error)
    expect(refusal).toBeInstanceOf(SettingsError)
    expect((refusal as SettingsError).message).toContain(missing)
    expect((refusal as SettingsError).message).toContain('check the --settings path')
  })

  test('a file that is there but cannot be read (a folder) is an error naming it, from both readers, default or explicit', async () => {
    const folder = join(dir, 'folder.json')
    mkdirSync(folder)
    for (const [explicit, path] of [[folder, folder], [undefined, defaultFile]] as const) {
      if (!explicit) mkdirSync(defaultFile)
      const refusal = await readSettings(explicit).catch((error: unknown) => error)
      expect(refusal).toBeInstanceOf(SettingsError)
      // Windows may refuse a folder as access denied rather than as a folder.
      const code = process.platform === 'win32' ? /\((EISDIR|EACCES|EPERM)\)/.exec((refusal as SettingsError).message)?.[1] ?? 'EISDIR' : 'EISDIR'
      expect((refusal as SettingsError).message).toBe(`Invalid settings in ${path}:\n  (file): cannot be read (${code}); expected a JSON file you can read`)
      expect(() => loadSettings(explicit)).toThrow((refusal as SettingsError).message)
    }
  })
})
