import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { desktopSection } from '../../src/doctor/checks.ts'
import { shimHome } from '../../src/paths.ts'

test('doctor shows Desktop, its version, whether it is patched and whether a matching backup exists', () => {
  const patched = desktopSection({ installed: true, appPath: '/Applications/Codex.app', version: '26.1.2', patched: true, backup: false, backupsBytes: 3 * 1024 * 1024 })
  const text = JSON.stringify(patched.checks)
  expect(text).toContain('/Applications/Codex.app 26.1.2')
  expect(text).toContain('patched by patch-app')
  expect(text).toContain('no backup of this version')
  expect(patched.checks.at(-1)!.status).toBe('warn')
  const absent = desktopSection({ installed: false, appPath: null, version: null, patched: false, backup: false, backupsBytes: 0 })
  expect(JSON.stringify(absent.checks)).toContain('not found')
})

test('the backups are named where they are: under CODEX_SHIM_HOME, not always ~/.codex-shim', () => {
  const saved = process.env.CODEX_SHIM_HOME
  process.env.CODEX_SHIM_HOME = join(process.env.CODEX_SHIM_TEST_ROOT!, 'elsewhere')
  try {
    const text = desktopSection({ installed: false, appPath: null, version: null, patched: false, backup: false, backupsBytes: 0 }).checks[0]!.detail
    expect(text).toContain(`under ${join(shimHome(), 'app-backups')}`)
    expect(text).not.toContain('~/.codex-shim')
  } finally {
    process.env.CODEX_SHIM_HOME = saved
  }
})

test('doctor warns when Codex\'s managed block names another port than the running proxy\'s', async () => {
  const { portMismatch } = await import('../../src/doctor/checks.ts')
  const { applyManagedBlock } = await import('../../src/codex/config-block.ts')
  const config = applyManagedBlock('', { model: 'm', port: 8765, catalogPath: '/tmp/c.json' })
  expect(portMismatch(config, 18910)).toMatchObject({ status: 'warn', detail: expect.stringContaining('Codex is set to port 8765 but the proxy runs on 18910') })
  expect(portMismatch(config, 8765)).toBeNull()
  expect(portMismatch('model = "x"\n', 18910)).toBeNull()
})
