/**
 * `service install` while a daemon from `codex-shim start` holds the port: an audit found the
 * service's proxy unable to listen, systemd restarting it until it gave up, and install saying
 * "Installed"; once the daemon was stopped nothing ran until the next login. `service status`
 * said only "installed but not running".
 */
import { afterAll, expect, test } from 'bun:test'
import { existsSync, mkdtempSync } from 'node:fs'
import { join, posix } from 'node:path'
import { installService, localPortHolder } from '../../src/service/index.ts'
import { launchdPlan } from '../../src/service/launchd.ts'
import { systemdPlan } from '../../src/service/systemd.ts'
import type { ServiceHost } from '../../src/service/types.ts'
import { freePort, freshHomes, runCli } from '../support/cli.ts'
import { fakeSystemctl } from './fake-runner.ts'

const homes = freshHomes('service-port-held')
const port = freePort()
const saved = process.env.CODEX_SHIM_HOME
afterAll(() => {
  runCli(['stop'], homes)
  process.env.CODEX_SHIM_HOME = saved
})

function linuxHost(): { host: ServiceHost; unit: string; calls: string[][] } {
  const dir = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'service-port-'))
  const env = { XDG_CONFIG_HOME: join(dir, 'xdg'), CODEX_SHIM_HOME: homes.CODEX_SHIM_HOME }
  const unit = posix.join(env.XDG_CONFIG_HOME, 'systemd', 'user', 'codex-shim.service')
  const systemctl = fakeSystemctl(() => existsSync(unit))
  return { host: { platform: 'linux', home: join(dir, 'home'), env, uid: 1000, run: systemctl.run, portHolder: localPortHolder }, unit, calls: systemctl.calls }
}

test('install refuses, changing nothing, while the daemon from `codex-shim start` holds the port, and says to stop it first', async () => {
  const started = runCli(['start', '--port', String(port)], homes)
  expect(started.code).toBe(0)
  process.env.CODEX_SHIM_HOME = homes.CODEX_SHIM_HOME // the pid file install reads to name the daemon
  const { host, unit, calls } = linuxHost()
  const install = installService(host, { port, program: ['/opt/codex-shim'] })
  await expect(install).rejects.toThrow(`Port ${port} is held by the codex-shim daemon started with \`codex-shim start\``)
  await expect(installService(host, { port, program: ['/opt/codex-shim'] })).rejects.toThrow('Stop it first with `codex-shim stop`, then run `codex-shim service install` again')
  expect(existsSync(unit)).toBe(false)
  expect(calls.some((argv) => argv.includes('enable'))).toBe(false)
  // Another port is free: install goes ahead.
  expect((await installService(host, { port: freePort(), program: ['/opt/codex-shim'] })).state).toBe('installed')
}, 30_000)

test('a service that is itself on the port (its manager names the pid that answers) is not in its own way', async () => {
  const { host } = linuxHost()
  expect((await installService({ ...host, portHolder: async () => null }, { port, program: ['/opt/codex-shim'] })).state).toBe('installed')
  // The fake systemctl runs it as pid 1000; a new binary on the same port restarts it in place.
  expect((await installService({ ...host, portHolder: async () => ({ kind: 'daemon', pid: 1000 }) }, { port, program: ['/opt/codex-shim-2'] })).state).toBe('updated')
  await expect(installService({ ...host, portHolder: async () => ({ kind: 'daemon', pid: 4242 }) }, { port, program: ['/opt/codex-shim-3'] })).rejects.toThrow('`codex-shim stop`')
  await expect(installService({ ...host, portHolder: async () => ({ kind: 'other' }) }, { port, program: ['/opt/codex-shim-3'] })).rejects.toThrow(`Port ${port} is held by another program`)
})

test('status: a unit systemd keeps restarting, or gave up on, and a LaunchAgent that keeps exiting, read as failing', () => {
  const host = { platform: 'linux', home: '/home/me', env: {}, uid: 1000, run: async () => ({ code: 0, stdout: '', stderr: '' }) } as ServiceHost
  const parse = systemdPlan(host, { port, program: ['/x'] }).parseStatus
  expect(parse({ code: 0, stdout: 'LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nMainPID=0\n', stderr: '' })).toMatchObject({ running: false, failing: true })
  expect(parse({ code: 0, stdout: 'LoadState=loaded\nActiveState=failed\nSubState=failed\nMainPID=0\n', stderr: '' })).toMatchObject({ running: false, failing: true })
  expect(parse({ code: 0, stdout: 'LoadState=loaded\nActiveState=inactive\nSubState=dead\nMainPID=0\n', stderr: '' }).failing).toBeFalsy()
  const launchd = launchdPlan({ ...host, platform: 'darwin' }, { port, program: ['/x'] }).parseStatus
  expect(launchd({ code: 0, stdout: '\tstate = spawn scheduled\n\tlast exit code = 1\n', stderr: '' })).toMatchObject({ running: false, failing: true })
  expect(launchd({ code: 0, stdout: '\tstate = running\n\tpid = 42\n\tlast exit code = (never exited)\n', stderr: '' }).failing).toBeFalsy()
})
