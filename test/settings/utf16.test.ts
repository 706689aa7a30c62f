import { expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { loadSettings, SettingsError } from '../../src/settings/load.ts'
import { readSettings } from '../../src/settings/read.ts'

// Windows PowerShell 5.1 writes UTF-16 with `>`, Out-File and Set-Content's default: the file read
// as UTF-8 began "Unrecognized token '�'", which says nothing of what to do.

const text = '{\r\n  "models": [ { "model": "m", "provider": "openai" } ]\r\n}\r\n'
const files = {
  'UTF-16LE': Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]),
  'UTF-16BE': Buffer.concat([Buffer.from([0xfe, 0xff]), Buffer.from(text, 'utf16le').swap16()]),
}

test.each(Object.keys(files))('a settings file saved as %s is refused with what to do, by both readers', async (encoding) => {
  const path = join(process.env.CODEX_SHIM_TEST_ROOT!, `models-${encoding}.json`)
  writeFileSync(path, files[encoding as keyof typeof files])
  for (const read of [async () => loadSettings(path), () => readSettings(path, { buildId: null })]) {
    const error = await read().catch((failure: unknown) => failure)
    expect(error).toBeInstanceOf(SettingsError)
    expect((error as SettingsError).issues[0]!.message).toContain('UTF-16')
    expect((error as SettingsError).issues[0]!.message).toContain('UTF-8')
  }
})
