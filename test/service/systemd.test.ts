import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { currentHost, installService, planService, serviceStatus, uninstallService } from '../../src/service/index.ts'
import { quoteSystemdWord, systemdUnit, systemdUnitPath } from '../../src/service/systemd.ts'
import type { ServiceHost } from '../../src/service/types.ts'
import { fakeSystemctl } from './fake-runner.ts'

const scratch = () => mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'service-'))

describe('systemd user unit', () => {
  test('the unit runs this binary in the foreground on loopback and restarts on failure', () => {
    const unit = systemdUnit({ home: '/home/me', env: {} }, { port: 9123, program: ['/opt/codex-shim'] })
    expect(unit).toContain('ExecStart=/opt/codex-shim start --foreground --port 9123 --host 127.0.0.1\n')
    expect(unit).toContain('Restart=on-failure\n')
    expect(unit).toContain('WantedBy=default.target\n')
    expect(unit).toContain('EnvironmentFile=-/home/me/.codex-shim/service.env\n')
    expect(unit).not.toContain('Environment=CODEX') // nothing to pass when the defaults apply
    expect(unit).toContain('Environment=BUN_CONFIG_MAX_HTTP_REQUESTS=16384\n') // read by Bun only at start
  })

  test('words with spaces, quotes, % and $ survive systemd unquoting', () => {
    expect(quoteSystemdWord('/usr/bin/bun')).toBe('/usr/bin/bun')
    expect(quoteSystemdWord('/My Apps/bun')).toBe('"/My Apps/bun"')
    expect(quoteSystemdWord('100%')).toBe('100%%')
    expect(quoteSystemdWord('$HOME/x')).toBe('$$HOME/x')
    expect(quoteSystemdWord('a "b"')).toBe('"a \\"b\\""')
    expect(quoteSystemdWord('A=$x', { exec: false })).toBe('A=$x') // Environment= does not expand variables
  })

  test('the unit lives under $XDG_CONFIG_HOME when set, else ~/.config', () => {
    expect(systemdUnitPath({ home: '/home/me', env: {} })).toBe('/home/me/.config/systemd/user/codex-shim.service')
    expect(systemdUnitPath({ home: '/home/me', env: { XDG_CONFIG_HOME: '/xdg' } })).toBe('/xdg/systemd/user/codex-shim.service')
  })
})

describe('install → status → uninstall with systemctl mocked', () => {
  function linuxHost() {
    const dir = scratch()
    const env = { XDG_CONFIG_HOME: join(dir, 'xdg') }
    const unit = posix.join(env.XDG_CONFIG_HOME, 'systemd', 'user', 'codex-shim.service') // a Linux path, joined so on any machine
    const systemctl = fakeSystemctl(() => existsSync(unit))
    const host: ServiceHost = { platform: 'linux', home: join(dir, 'home'), env, uid: 1000, run: systemctl.run }
    return { host, unit, calls: systemctl.calls }
  }
  const program = ['/opt/codex-shim']
  const verbs = (calls: string[][]) => calls.map((argv) => argv.slice(2).join(' '))

  test('the full cycle, repeated installs and a port change', async () => {
    const { host, unit, calls } = linuxHost()

    expect(await serviceStatus(host, { port: 8765, program })).toMatchObject({ manager: 'systemd', installed: false, loaded: false, running: false })

    const first = await installService(host, { port: 8765, program })
    expect(first.state).toBe('installed')
    expect(readFileSync(unit, 'utf8')).toContain('--port 8765')
    expect(verbs(calls).slice(1)).toEqual(['daemon-reload', 'enable --now codex-shim.service'])

    const running = await serviceStatus(host, { port: 8765, program })
    expect(running).toMatchObject({ installed: true, loaded: true, running: true, pid: 1000, file: unit })

    calls.length = 0
    const again = await installService(host, { port: 8765, program })
    expect(again.state).toBe('unchanged')
    expect(verbs(calls)).toEqual(['daemon-reload', 'enable --now codex-shim.service']) // no restart of a healthy service

    calls.length = 0
    const moved = await installService(host, { port: 9000, program })
    expect(moved.state).toBe('updated')
    expect(readFileSync(unit, 'utf8')).toContain('--port 9000')
    expect(verbs(calls)).toEqual(['daemon-reload', 'enable --now codex-shim.service', 'restart codex-shim.service'])
    expect((await serviceStatus(host, { port: 9000, program })).pid).toBe(1001)

    calls.length = 0
    expect((await uninstallService(host, { port: 9000, program })).state).toBe('removed')
    expect(existsSync(unit)).toBe(false)
    expect(verbs(calls)).toEqual(['show codex-shim.service --property=LoadState,ActiveState,SubState,MainPID', 'disable --now codex-shim.service', 'daemon-reload'])
    expect(await serviceStatus(host, { port: 9000, program })).toMatchObject({ installed: false, loaded: false, running: false })

    calls.length = 0
    expect((await uninstallService(host, { port: 9000, program })).state).toBe('not-installed')
    expect(verbs(calls)).toEqual(['show codex-shim.service --property=LoadState,ActiveState,SubState,MainPID'])
  })

  test('no systemctl: install fails with one clear line and a next step', async () => {
    const { host } = linuxHost()
    const noManager: ServiceHost = { ...host, run: async (argv) => ({ code: 127, stdout: '', stderr: `${argv[0]}: not found` }) }
    await expect(installService(noManager, { port: 8765, program })).rejects.toThrow('`systemctl --user daemon-reload` failed: systemctl was not found. Check that your session has a systemctl service manager, or run `codex-shim start` instead.')
  })

  test('a manager that refuses the install leaves no unit behind, and an update puts the old unit back', async () => {
    const { host, unit } = linuxHost()
    const noBus: ServiceHost = { ...host, run: async () => ({ code: 1, stdout: '', stderr: 'Failed to connect to bus: No medium found' }) }
    await expect(installService(noBus, { port: 8765, program })).rejects.toThrow('Failed to connect to bus')
    expect(existsSync(unit)).toBe(false)
    expect((await serviceStatus(noBus, { port: 8765, program })).installed).toBe(false)

    await installService(host, { port: 8765, program })
    const installed = readFileSync(unit, 'utf8')
    await expect(installService(noBus, { port: 9000, program })).rejects.toThrow('Failed to connect to bus')
    expect(readFileSync(unit, 'utf8')).toBe(installed)
  })

  test('the plan names the unit path and the commands --dry-run prints', () => {
    const { host, unit } = linuxHost()
    const plan = planService(host, { port: 8765, program })
    expect(plan.file?.path).toBe(unit)
    expect(plan.install.map((command) => command.argv.join(' '))).toEqual(['systemctl --user daemon-reload', 'systemctl --user enable --now codex-shim.service'])
  })
})

test('a relative CODEX_SHIM_HOME or CODEX_HOME reaches the unit as the absolute path this command meant', () => {
  const host = currentHost(async () => ({ code: 0, stdout: '', stderr: '' }), { HOME: '/home/me', CODEX_SHIM_HOME: 'shim-home', CODEX_HOME: './codex' })
  expect(host.env.CODEX_SHIM_HOME).toBe(join(process.cwd(), 'shim-home'))
  expect(host.env.CODEX_HOME).toBe(join(process.cwd(), 'codex'))
  expect(systemdUnit(host, { port: 8765, program: ['/opt/codex-shim'] })).toContain(`Environment=CODEX_SHIM_HOME=${join(process.cwd(), 'shim-home')}`)
})
