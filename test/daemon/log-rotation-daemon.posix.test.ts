import { describe, expect, test } from 'bun:test'
import { mkdirSync, openSync, closeSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

// POSIX: a child whose stdout is the log file, found by device and inode.
const root = resolve(import.meta.dir, '../..')

describe('the daemon keeps its own log in bounds', () => {
  test('a process whose stdout is codex-shim.log rotates it when it is past the limit, and writes on in the emptied file', async () => {
    const home = join(process.env.CODEX_SHIM_TEST_ROOT!, 'log-rotation-daemon', '.codex-shim')
    mkdirSync(home, { recursive: true })
    const log = join(home, 'codex-shim.log')
    writeFileSync(log, 'earlier line\n'.repeat(900_000), { mode: 0o600 }) // ~11 MiB, past LOG_MAX_BYTES
    const fd = openSync(log, 'a')
    const script = `
      const { watchOwnLog } = await import(${JSON.stringify(join(root, 'src/daemon/log-rotation.ts'))})
      await new Promise((done) => { const stop = watchOwnLog((path) => { console.error('rotated ' + path); stop(); done() }) })
      console.log('written after the rotation')`
    const child = Bun.spawn([process.execPath, '-e', script], { env: { ...process.env, CODEX_SHIM_HOME: home }, stdout: fd, stderr: 'pipe' })
    closeSync(fd)
    const [stderr] = await Promise.all([new Response(child.stderr).text(), child.exited])
    expect(stderr.trim()).toBe(`rotated ${log}`)
    expect(readFileSync(log, 'utf8')).toBe('written after the rotation\n')
    expect(statSync(`${log}.1`).size).toBe('earlier line\n'.length * 900_000)
  })
})
