import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'
import { posixTest } from '../support/platform-tests.ts'
import { isAlive } from '../../src/daemon/pid-file.ts'

const cli = join(import.meta.dir, '../../src/cli.ts')
const model = { slug: 'fake', model: 'fake-model', provider: 'ollama' }
const cleanups: (() => void)[] = []
afterAll(() => {
  for (const cleanup of cleanups) cleanup()
})

function pidFileOf(homes: { CODEX_SHIM_HOME: string }): string {
  return join(homes.CODEX_SHIM_HOME, 'codex-shim.pid')
}

describe('stop never signals a process it cannot prove is our daemon', () => {
  // POSIX: the daemon is told from another process by its command line, which `ps` gives (Windows has no such check).
  posixTest('a stale pid file naming an unrelated process: stop refuses, says so, and the process keeps running', async () => {
    const homes = freshHomes('stale-pid')
    const sleeper = Bun.spawn(['sleep', '60'], { stdio: ['ignore', 'ignore', 'ignore'] })
    cleanups.push(() => sleeper.kill())
    const port = freePort()
    writeFileSync(pidFileOf(homes), JSON.stringify({ pid: sleeper.pid, host: '127.0.0.1', port, version: '0.0.0', started_at: new Date().toISOString(), settings: null }))

    const run = runCli(['stop'], homes)
    expect(run.output).not.toContain('stopped (pid')
    expect(run.output).toContain(`Not stopping pid ${sleeper.pid}`)
    expect(run.output).toContain('"sleep", not codex-shim')
    expect(run.code).toBe(0) // nothing of ours was running
    expect(isAlive(sleeper.pid)).toBe(true)
    expect(sleeper.exitCode).toBeNull()
    expect(existsSync(pidFileOf(homes))).toBe(false) // the leftover is gone

    const status = runCli(['status'], homes)
    expect(status.code).toBe(1)
    expect(status.output).toContain('not running')
  })

  test('a foreground instance that exits leaves the daemon pid file alone', async () => {
    const homes = freshHomes('foreground')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [model] }))
    const daemonPort = freePort()
    cleanups.push(() => runCli(['stop'], homes))
    expect(runCli(['start', '--port', String(daemonPort)], homes).code).toBe(0)
    const daemonPid = JSON.parse(readFileSync(pidFileOf(homes), 'utf8')).pid as number

    let foregroundPort = freePort()
    while (foregroundPort === daemonPort) foregroundPort = freePort()
    const foreground = Bun.spawn([process.execPath, cli, 'start', '--foreground', '--port', String(foregroundPort)], { env: { ...process.env, ...homes }, stdio: ['ignore', 'pipe', 'pipe'] })
    cleanups.push(() => foreground.kill('SIGKILL'))
    // Serving means it has passed the point where it would write the pid file.
    let serving = false
    for (let i = 0; i < 300 && !serving && foreground.exitCode === null; i++) {
      serving = await fetch(`http://127.0.0.1:${foregroundPort}/health`).then((r) => r.ok, () => false)
      if (!serving) await Bun.sleep(50)
    }
    expect(serving).toBe(true)
    foreground.kill('SIGTERM')
    await foreground.exited

    expect(JSON.parse(readFileSync(pidFileOf(homes), 'utf8')).pid).toBe(daemonPid)
    const status = runCli(['status', '--json'], homes)
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid: daemonPid, port: daemonPort })
    const stop = runCli(['stop'], homes)
    expect(stop.output).toContain(`stopped (pid ${daemonPid})`)
    expect(isAlive(daemonPid)).toBe(false)
  })
})

describe('start-up warnings for keys that cannot resolve', () => {
  test('start names the field and the unset variable for ${VAR} in api_key and for api_key_env', () => {
    const homes = freshHomes('unset-key')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [
      { ...model, slug: 'a', api_key: 'Bearer-${SHIM_TEST_UNSET_KEY}' },
      { ...model, slug: 'b', api_key_env: 'SHIM_TEST_UNSET_ENV' },
      { ...model, slug: 'c', api_key: '${SHIM_TEST_SET_KEY}' },
    ] }))
    const port = String(freePort())
    try {
      const run = runCli(['start', '--port', port], { ...homes, SHIM_TEST_SET_KEY: 'sk-planted-start-secret' })
      expect(run.code).toBe(0)
      expect(run.output).toContain('models[0].api_key refers to ${SHIM_TEST_UNSET_KEY}, which is not set')
      expect(run.output).toContain('models[1].api_key_env names SHIM_TEST_UNSET_ENV, which is not set')
      expect(run.output).not.toContain('models[2]')
      expect(run.output).not.toContain('sk-planted-start-secret')
      // The daemon says it in its log too.
      const daemonLog = readFileSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.log'), 'utf8')
      expect(daemonLog).toContain('models[0].api_key refers to ${SHIM_TEST_UNSET_KEY}')
      expect(daemonLog).not.toContain('sk-planted-start-secret')
    } finally {
      runCli(['stop'], homes)
    }
  })

  test('start --foreground warns before serving', async () => {
    const homes = freshHomes('unset-key-fg')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ ...model, api_key_env: 'SHIM_TEST_UNSET_FG' }] }))
    const port = freePort()
    const child = Bun.spawn([process.execPath, cli, 'start', '--foreground', '--port', String(port)], { env: { ...process.env, ...homes }, stdio: ['ignore', 'pipe', 'pipe'] })
    cleanups.push(() => child.kill('SIGKILL'))
    let serving = false
    for (let i = 0; i < 300 && !serving && child.exitCode === null; i++) {
      serving = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)
      if (!serving) await Bun.sleep(50)
    }
    child.kill('SIGTERM')
    await child.exited
    const output = (await new Response(child.stdout).text()) + (await new Response(child.stderr).text())
    expect(serving).toBe(true)
    expect(output).toContain('models[0].api_key_env names SHIM_TEST_UNSET_FG, which is not set')
  })
})
