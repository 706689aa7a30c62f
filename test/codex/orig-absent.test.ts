/**
 * A config.toml (or models.json) that did not exist before codex-shim first wrote it: an audit found
 * no `.orig` made then, and the next change making one that already held codex-shim's own block,
 * where the README promises the file "as it was before codex-shim first changed it".
 */
import { expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { disableCodexConfig, enableCodexConfig } from '../../src/codex/manage-config.ts'

let n = 0
const fresh = (name = 'config.toml') => {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, `orig-absent-${++n}`)
  mkdirSync(dir, { recursive: true })
  return join(dir, name)
}
const options = (model: string) => ({ model, port: 8765, catalogPath: '/tmp/catalog.json' })

test('no config.toml before enable: no .orig holding our block is made later, and disable leaves no config.toml', () => {
  const path = fresh()
  enableCodexConfig(options('deepseek'), path)
  enableCodexConfig(options('kimi'), path)
  expect(existsSync(`${path}.codex-shim.orig`)).toBe(false)
  expect(readFileSync(`${path}.codex-shim.orig-absent`, 'utf8')).toContain('did not exist')
  expect(disableCodexConfig(path)).toMatchObject({ changed: true, removed: true })
  expect(existsSync(path)).toBe(false)
  // Back where it started: a later first change is recorded afresh.
  expect(existsSync(`${path}.codex-shim.orig-absent`)).toBe(false)
  writeFileSync(path, 'model = "mine"\n')
  enableCodexConfig(options('deepseek'), path)
  expect(readFileSync(`${path}.codex-shim.orig`, 'utf8')).toBe('model = "mine"\n')
})

test('what Codex added beside our block in a config.toml we created stays when disable removes the block', () => {
  const path = fresh()
  enableCodexConfig(options('deepseek'), path)
  writeFileSync(path, `${readFileSync(path, 'utf8')}\n[projects."/src/app"]\ntrust_level = "trusted"\n`)
  enableCodexConfig(options('kimi'), path)
  expect(existsSync(`${path}.codex-shim.orig`)).toBe(false)
  disableCodexConfig(path)
  expect(readFileSync(path, 'utf8')).toContain('[projects."/src/app"]\ntrust_level = "trusted"\n')
  expect(readFileSync(path, 'utf8')).not.toContain('codex-shim')
})

