import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { installShortcuts, planShortcuts } from '../../src/commands/install-shortcuts.ts'
import { freshHomes, runCli } from '../support/cli.ts'

const work = join(process.env.CODEX_SHIM_TEST_ROOT!, 'shortcuts')

describe('install-shortcuts from source', () => {
  test('from source there is no binary to link to: a clear error', () => {
    const result = runCli(['install-shortcuts', '--dir', join(work, 'from-source')], freshHomes('source'))
    expect(result.code).toBe(1)
    expect(result.output).toContain('running from source')
    expect(existsSync(join(work, 'from-source'))).toBe(false)
  })
})

describe('install-shortcuts on Windows (synthetic platform)', () => {
  const exe = 'C:\\Program Files\\codex-shim\\codex-shim.exe'

  test('writes .cmd files that run the binary with the command in front', () => {
    const dir = join(work, 'windows')
    const results = installShortcuts({ dir, executable: exe, platform: 'win32' })
    expect(results.map((result) => [result.name, result.kind, result.state])).toEqual([['codex-app', 'cmd', 'created'], ['codex-model', 'cmd', 'created']])
    expect(readFileSync(join(dir, 'codex-model.cmd'), 'utf8')).toBe(`@echo off\r\nrem codex-shim shortcut\r\n"${exe}" model %*\r\n`)
    expect(readFileSync(join(dir, 'codex-app.cmd'), 'utf8')).toContain(`"${exe}" app %*`)
    expect(installShortcuts({ dir, executable: exe, platform: 'win32' }).every((result) => result.state === 'unchanged')).toBe(true)
    // A new binary location rewrites our own files.
    const moved = installShortcuts({ dir, executable: 'D:\\codex-shim.exe', platform: 'win32' })
    expect(moved.every((result) => result.state === 'updated')).toBe(true)
    expect(readFileSync(join(dir, 'codex-app.cmd'), 'utf8')).toContain('"D:\\codex-shim.exe" app %*')
  })

  test('dry run writes nothing; a foreign .cmd is refused', () => {
    const dir = join(work, 'windows-dry')
    expect(installShortcuts({ dir, executable: exe, platform: 'win32', dryRun: true }).map((result) => result.state)).toEqual(['created', 'created'])
    expect(existsSync(dir)).toBe(false)
    mkdirSync(dir)
    writeFileSync(join(dir, 'codex-model.cmd'), '@echo off\r\necho someone else\r\n')
    expect(() => installShortcuts({ dir, executable: exe, platform: 'win32' })).toThrow('is not a codex-shim shortcut')
  })

  test('planShortcuts: symlinks on macOS and Linux', () => {
    expect(planShortcuts({ dir: '/opt/bin', executable: '/opt/codex-shim', platform: 'darwin' })).toEqual([
      { name: 'codex-app', path: '/opt/bin/codex-app', kind: 'symlink', target: '/opt/codex-shim' },
      { name: 'codex-model', path: '/opt/bin/codex-model', kind: 'symlink', target: '/opt/codex-shim' },
    ])
  })
})
