import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ENTRY_KEYS } from '../../src/settings/keys.ts'
import { loadSettings, SettingsError } from '../../src/settings/load.ts'
import { ENTRY_FIELDS } from '../../src/settings/schema.ts'
import { readSettings } from '../../src/settings/read.ts'
import { recordsWritten, recordValidated, validatedKey } from '../../src/settings/validated-record.ts'

const dir = mkdtempSync(join(tmpdir(), 'codex-shim-validated-'))
const record = join(process.env.CODEX_SHIM_HOME!, 'validated-settings')
afterEach(() => rmSync(record, { force: true }))

const settingsFile = (name: string, settings: unknown) => {
  const path = join(dir, name)
  writeFileSync(path, typeof settings === 'string' ? settings : JSON.stringify(settings, null, 2))
  return path
}
const recordLines = () => readFileSync(record, 'utf8').trimEnd().split('\n')
/** Reads settings and waits for the record write a start does not wait for. */
const read = async (...args: Parameters<typeof readSettings>) => {
  const settings = await readSettings(...args)
  await recordsWritten()
  return settings
}
const sha256 = (text: string) => new Bun.CryptoHasher('sha256').update(text).digest('hex')
const refusal = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error as SettingsError)

/** Files that exercise every part of normalisation: camelCase, customModels, launch models, aliases, fallbacks, prices, the router. */
const VARIED = [
  { models: [{ slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1', api_key: 'sk-secret-in-the-file', fallbacks: ['claude'] }, { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', price: { input: 3, output: 15 } }], aliases: { fast: { slug: 'ds', reasoning_effort: 'low' } }, launch_models: ['claude'] },
  { customModels: [{ model: 'qwen3-coder', provider: 'ollama', displayName: 'Qwen', maxOutputTokens: 8192, extraHeaders: { 'x-team': 'a' } }], launchModels: [{ model: 'gpt-5.5', provider: 'chatgpt' }] },
  { models: [{ slug: 'a', model: 'm-a', provider: 'openai' }, { slug: 'b', model: 'm-b', provider: 'openai-responses', reasoning_efforts: ['low', 'high'] }], router: { enabled: true, classifier: 'a', default: 'a', candidates: [{ slug: 'a', cost: 1, card: 'quick edits' }, { slug: 'b', cost: 4, card: 'hard refactors' }] }, mystery: 1 },
]

describe('settings this build validated before skip the schemas at start', () => {
  test('the names the normaliser knows are the fields the schemas check, in the same order', () => {
    expect(Object.keys(ENTRY_FIELDS)).toEqual([...ENTRY_KEYS])
  })

  test('the first read validates and records the text; a second gives the same settings from the record', async () => {
    for (const [index, settings] of VARIED.entries()) {
      const path = settingsFile(`varied-${index}.json`, settings)
      const validated = await read(path, { buildId: 'build-1' })
      const fromRecord = await read(path, { buildId: 'build-1' })
      expect(recordLines()).toContain(validatedKey(readFileSync(path, 'utf8'), 'build-1'))
      expect(fromRecord).toEqual(validated)
      expect(fromRecord).toEqual(loadSettings(path))
    }
  })

  test('the record holds the build and a digest of the whole text, nothing the settings say; 0600', async () => {
    const text = JSON.stringify(VARIED[0])
    const path = settingsFile('secret.json', text)
    await read(path, { buildId: 'build-1' })
    expect(recordLines()).toEqual([`build-1 ${sha256(text)}`])
    const written = readFileSync(record, 'utf8')
    for (const fragment of ['sk-secret', 'deepseek', 'claude', 'models']) expect(written).not.toContain(fragment)
    if (process.platform !== 'win32') expect(statSync(record).mode & 0o777).toBe(0o600)
  })

  test('a text the record names is not checked again (a record forged for a text the schemas refuse lets it through)', async () => {
    // `model` must be a string: the schemas refuse a number; normalisation alone does not look.
    const text = JSON.stringify({ models: [{ slug: 'x', model: 42, provider: 'openai' }] })
    const path = settingsFile('forged.json', text)
    expect((await refusal(read(path, { buildId: 'build-1' })))?.message).toContain('models[0].model: expected upstream model id as a string')
    await recordValidated([], validatedKey(text, 'build-1'))
    expect((await read(path, { buildId: 'build-1' })).models.map((model) => model.slug)).toEqual(['x'])
    // Another build does not trust this build's record.
    expect(await refusal(read(path, { buildId: 'build-2' }))).toBeInstanceOf(SettingsError)
  })

  test('any change to the text, even one byte, is validated again: a recorded file edited into a bad one is refused', async () => {
    const good = { models: [{ slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1' }] }
    const path = settingsFile('edited.json', good)
    await read(path, { buildId: 'build-1' })
    writeFileSync(path, JSON.stringify(good, null, 2).replace('"generic-chat-completion-api"', '"generic-chat-completion"'))
    const error = await refusal(read(path, { buildId: 'build-1' }))
    expect(error?.message).toContain('models[0].provider: expected one of')
    expect(recordLines()).toHaveLength(1)
  })

  test('a file the schemas change (they trim strings) is never recorded, and reads trimmed every time', async () => {
    const path = settingsFile('untrimmed.json', { models: [{ model: '  deepseek-chat ', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1' }] })
    for (let time = 0; time < 2; time++) expect((await read(path, { buildId: 'build-1' })).models[0]!.model).toBe('deepseek-chat')
    expect(existsSync(record)).toBe(false)
  })

  test('a refused file is not recorded', async () => {
    const path = settingsFile('refused.json', { models: [{ model: 'm', provider: 'nope' }] })
    expect(await refusal(read(path, { buildId: 'build-1' }))).toBeInstanceOf(SettingsError)
    expect(existsSync(record)).toBe(false)
  })

  test('from source (no build id) nothing is recorded and every read validates', async () => {
    const path = settingsFile('source.json', VARIED[1])
    expect(await read(path, { buildId: null })).toEqual(loadSettings(path))
    expect(existsSync(record)).toBe(false)
  })

  test('the record keeps the last 8 texts of this build and drops other builds’ lines', async () => {
    writeFileSync(record, 'old-build 0123\n')
    const keys: string[] = []
    for (let index = 0; index < 10; index++) {
      const path = settingsFile(`many-${index}.json`, { models: [{ slug: `m${index}`, model: 'm', provider: 'openai' }] })
      keys.push(validatedKey(readFileSync(path, 'utf8'), 'build-1'))
      await read(path, { buildId: 'build-1' })
    }
    expect(recordLines()).toEqual(keys.slice(-8))
    // Read again, a text moves to the end instead of appearing twice.
    await recordValidated(recordLines(), keys[4]!)
    expect(recordLines()).toEqual([...keys.slice(-8).filter((key) => key !== keys[4]), keys[4]!])
  })

  test('a record cut short or garbled names no text: the file is validated again', async () => {
    const text = JSON.stringify({ models: [{ slug: 'x', model: 42, provider: 'openai' }] })
    const path = settingsFile('cut.json', text)
    const key = validatedKey(text, 'build-1')
    for (const damaged of [key.slice(0, -1), `${key}0`, `\0${key}`, 'not a record']) {
      writeFileSync(record, `${damaged}\n`)
      expect(await refusal(read(path, { buildId: 'build-1' }))).toBeInstanceOf(SettingsError)
    }
  })

  test('a record that cannot be read or written costs a validation, never the start', async () => {
    const path = settingsFile('plain.json', VARIED[1])
    const home = process.env.CODEX_SHIM_HOME
    // CODEX_SHIM_HOME under a plain file: the record can be neither read nor written there.
    const blocked = join(dir, 'blocked-file')
    writeFileSync(blocked, '')
    process.env.CODEX_SHIM_HOME = join(blocked, '.codex-shim')
    try {
      expect(await read(path, { buildId: 'build-1' })).toEqual(loadSettings(path))
      expect(await read(path, { buildId: 'build-1' })).toEqual(loadSettings(path))
    } finally {
      process.env.CODEX_SHIM_HOME = home
    }
  })
})
