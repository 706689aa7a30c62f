import { expect, test } from 'bun:test'
import { desktopSection } from '../../src/doctor/checks.ts'

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
