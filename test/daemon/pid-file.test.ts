import { afterEach, describe, expect, test } from 'bun:test'
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parsePidFile, readPidFile, removePidFile, writePidFile, type DaemonInfo } from '../../src/daemon/pid-file.ts'

const info: DaemonInfo = { pid: 4242, host: '127.0.0.1', port: 8765, version: '0.1.0', started_at: '2026-11-29T00:00:00.000Z', settings: '/home/me/.codex-shim/models.json', public_url: 'https://example.trycloudflare.com', tunnel: 'cloudflared' }
const originalHome = process.env.CODEX_SHIM_HOME
afterEach(() => {
  process.env.CODEX_SHIM_HOME = originalHome
})

/** A fresh CODEX_SHIM_HOME that does not exist yet. */
function freshHome(): string {
  const home = join(mkdtempSync(join(tmpdir(), 'codex-shim-pid-')), '.codex-shim')
  process.env.CODEX_SHIM_HOME = home
  return home
}

describe('the pid file, written without node:fs on the start path', () => {
  test('a reader that catches it half written sees no daemon: no part short of the whole record parses', async () => {
    const home = freshHome()
    await writePidFile(info)
    const text = readFileSync(join(home, 'codex-shim.pid'), 'utf8')
    expect(parsePidFile(text)).toEqual(info)
    expect(await readPidFile()).toEqual(info)
    const whole = text.trimEnd()
    for (let length = 0; length < whole.length; length++) expect(parsePidFile(whole.slice(0, length))).toBeNull()
  })

  test('0600 in a 0700 folder it creates; an old file’s mode does not carry over; the umask is restored', async () => {
    if (process.platform === 'win32') return
    const home = freshHome()
    const umask = process.umask()
    await writePidFile(info)
    const file = join(home, 'codex-shim.pid')
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect(statSync(home).mode & 0o777).toBe(0o700)
    writeFileSync(file, 'old', { mode: 0o644 })
    await writePidFile({ ...info, pid: 7 })
    expect(statSync(file).mode & 0o777).toBe(0o600)
    expect((await readPidFile())?.pid).toBe(7)
    expect(process.umask()).toBe(umask)
  })

  test('a symlink in its place is replaced, not followed', async () => {
    const home = freshHome()
    await writePidFile(info)
    const victim = join(home, 'victim.txt')
    writeFileSync(victim, 'keep me')
    const file = join(home, 'codex-shim.pid')
    rmSync(file)
    symlinkSync(victim, file)
    await writePidFile(info)
    expect(readFileSync(victim, 'utf8')).toBe('keep me')
    expect(lstatSync(file).isSymbolicLink()).toBe(false)
    expect(await readPidFile()).toEqual(info)
  })

  test('absent, empty or not a record reads as no daemon', async () => {
    const home = freshHome()
    expect(await readPidFile()).toBeNull()
    await writePidFile(info)
    for (const text of ['', 'null', '{"pid":"12"}', '{"pid":12}', 'garbage']) {
      writeFileSync(join(home, 'codex-shim.pid'), text)
      expect(await readPidFile()).toBeNull()
    }
  })

  test('removed only while it names the given process', async () => {
    const home = freshHome()
    await writePidFile(info)
    removePidFile(info.pid + 1)
    expect(existsSync(join(home, 'codex-shim.pid'))).toBe(true)
    removePidFile(info.pid)
    expect(existsSync(join(home, 'codex-shim.pid'))).toBe(false)
    removePidFile(info.pid) // already gone: nothing to do, no error
  })
})
