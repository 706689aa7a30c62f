import { afterEach, beforeEach, describe, expect, test } from 'bun:test'
import { mkdtempSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { BACKUPS_PER_VERSION, backupsTotalBytes, listBackups } from '../../src/desktop/backups.ts'
import { systemHost } from '../../src/desktop/host.ts'
import { patchApp } from '../../src/desktop/patch.ts'
import { restoreApp } from '../../src/desktop/restore.ts'
import { desktopStatus } from '../../src/desktop/status.ts'
import { fileSha, makeCodexApp } from './_bundle.ts'

const previousHome = process.env.CODEX_SHIM_HOME
let home = ''
beforeEach(() => {
  home = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'status-home-'))
  process.env.CODEX_SHIM_HOME = home
})
afterEach(() => {
  process.env.CODEX_SHIM_HOME = previousHome
})

function du(dir: string): number {
  return readdirSync(dir).reduce((sum, name) => {
    const stats = statSync(join(dir, name))
    return sum + (stats.isDirectory() ? du(join(dir, name)) : stats.size)
  }, 0)
}

describe('desktopStatus (for doctor)', () => {
  test('not installed: no --app on a system without Codex.app', () => {
    expect(desktopStatus(undefined, { ...systemHost, platform: 'linux' })).toEqual({ installed: false, appPath: null, version: null, patched: 'unknown', backup: false, backupsBytes: 0 })
  })

  test('unpatched → patched (with a backup) → restored', async () => {
    const app = await makeCodexApp({ version: '26.601.5' })
    expect(desktopStatus(app.app)).toEqual({ installed: true, appPath: app.app, version: '26.601.5', patched: false, backup: false, backupsBytes: 0 })
    patchApp({ app: app.app, noSign: true })
    const patched = desktopStatus(app.app)
    expect(patched).toMatchObject({ installed: true, patched: true, backup: true })
    expect(patched.backupsBytes).toBe(du(join(home, 'app-backups')))
    expect(patched.backupsBytes).toBeGreaterThan(statSync(app.asar).size)
    restoreApp({ app: app.app, noSign: true })
    expect(desktopStatus(app.app)).toMatchObject({ patched: false, backup: true })
  })

  test("a build whose needles we don't know is 'unknown', not false", async () => {
    const app = await makeCodexApp({ withoutNeedles: true })
    expect(desktopStatus(app.app).patched).toBe('unknown')
  })
})

describe('backups', () => {
  test(`keeps the newest ${BACKUPS_PER_VERSION} per Desktop version, and other versions' backups too`, async () => {
    const originals: string[] = []
    for (const seed of [11, 12, 13]) {
      const app = await makeCodexApp({ version: '26.700.1', seed, bigFileBytes: 300_000 })
      originals.push(fileSha(app.asar))
      patchApp({ app: app.app, noSign: true })
    }
    const other = await makeCodexApp({ version: '26.650.9', bigFileBytes: 300_000 })
    patchApp({ app: other.app, noSign: true })
    const kept = listBackups()
    expect(kept.filter((backup) => backup.manifest.version === '26.700.1').map((backup) => backup.manifest.originalSha256)).toEqual([originals[2]!, originals[1]!])
    expect(kept.filter((backup) => backup.manifest.version === '26.650.9')).toHaveLength(1)
    expect(backupsTotalBytes()).toBe(du(join(home, 'app-backups')))
  })

  test('patching the same original again reuses its backup instead of copying it twice', async () => {
    const app = await makeCodexApp({ bigFileBytes: 300_000 })
    const first = patchApp({ app: app.app, noSign: true }).backup
    restoreApp({ app: app.app, noSign: true })
    expect(patchApp({ app: app.app, noSign: true }).backup).toBe(first)
    expect(listBackups()).toHaveLength(1)
  })
})
