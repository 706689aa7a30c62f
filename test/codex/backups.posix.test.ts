/** Backups before every change, the user's own file kept for good, and a read-only file left alone (a files audit). */
import { expect, test } from 'bun:test'
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { disableCodexConfig, enableCodexConfig } from '../../src/codex/manage-config.ts'
import { ConfigEditError } from '../../src/codex/config-edit-error.ts'

let n = 0
const fresh = () => {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, `backups-${++n}`)
  mkdirSync(dir, { recursive: true })
  return join(dir, 'config.toml')
}
const options = (model: string) => ({ model, port: 8765, catalogPath: '/tmp/catalog.json' })

test('the .orig backup is the file before codex-shim first changed it, whatever changes follow; .bak is the one just before', () => {
  const path = fresh()
  const mine = '# mine\nmodel = "gpt-5.5"\n'
  writeFileSync(path, mine)
  enableCodexConfig(options('deepseek'), path)
  const enabled = readFileSync(path, 'utf8')
  enableCodexConfig(options('kimi'), path)
  expect(readFileSync(`${path}.codex-shim.orig`, 'utf8')).toBe(mine)
  expect(readFileSync(`${path}.codex-shim.bak`, 'utf8')).toBe(enabled)
  expect(statSync(`${path}.codex-shim.orig`).mode & 0o777).toBe(0o600)
})

test('a read-only config.toml is refused before anything is written; a read-only backup left by an older version blocks nothing', () => {
  const path = fresh()
  writeFileSync(path, 'model = "gpt-5.5"\n')
  chmodSync(path, 0o444)
  expect(() => enableCodexConfig(options('deepseek'), path)).toThrow(ConfigEditError)
  expect(() => enableCodexConfig(options('deepseek'), path)).toThrow('is read-only')
  expect(readFileSync(path, 'utf8')).toBe('model = "gpt-5.5"\n')
  chmodSync(path, 0o644)
  writeFileSync(`${path}.codex-shim.bak`, 'old backup')
  chmodSync(`${path}.codex-shim.bak`, 0o444)
  enableCodexConfig(options('deepseek'), path)
  disableCodexConfig(path)
  expect(readFileSync(path, 'utf8')).toBe('model = "gpt-5.5"\n')
})
