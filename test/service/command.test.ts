import { afterEach, beforeEach, describe, expect, spyOn, test } from 'bun:test'
import { runCommand } from 'citty'
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import service from '../../src/commands/service/index.ts'
import { serviceProgram } from '../../src/service/index.ts'
import { runCli } from '../support/cli.ts'

describe('codex-shim service (citty group)', () => {
  let printed: string[]
  let spy: ReturnType<typeof spyOn>
  const xdg = join(process.env.CODEX_SHIM_TEST_ROOT!, 'service-command-xdg')
  beforeEach(() => {
    printed = []
    spy = spyOn(console, 'log').mockImplementation((...parts: unknown[]) => void printed.push(parts.join(' ')))
    process.env.XDG_CONFIG_HOME = xdg
  })
  afterEach(() => {
    spy.mockRestore()
    delete process.env.XDG_CONFIG_HOME
  })

  // The command speaks to this machine's manager; CI runs it on Linux, macOS and Windows.
  const expectedOnThisPlatform = { linux: 'systemctl --user enable --now codex-shim.service', darwin: 'launchctl bootstrap gui/', win32: 'schtasks /Create /F /SC ONLOGON' } as Record<string, string>

  test('install --dry-run prints what it would run here, and writes nothing', async () => {
    await runCommand(service, { rawArgs: ['install', '--dry-run', '--port', '9911'] })
    const output = printed.join('\n')
    expect(output).toContain(expectedOnThisPlatform[process.platform]!)
    // The proxy's arguments: one command line (systemd, schtasks), or one <string> each (launchd's plist).
    if (process.platform === 'darwin') expect(output).toContain(['start', '--foreground', '--port', '9911', '--host', '127.0.0.1'].map((word) => `<string>${word}</string>`).join('\n    '))
    else expect(output).toContain('start --foreground --port 9911 --host 127.0.0.1')
    if (process.platform !== 'linux') return
    // On Linux, the whole systemd story:
    const unitPath = join(xdg, 'systemd', 'user', 'codex-shim.service')
    expect(output).toContain(`Would write ${unitPath}:`)
    expect(output).toContain(`ExecStart=${process.execPath} ${resolve(import.meta.dir, '../../src/cli.ts')} start --foreground --port 9911 --host 127.0.0.1`)
    expect(output).toContain('Would run:\n  systemctl --user daemon-reload\n  systemctl --user enable --now codex-shim.service')
    expect(output).toContain('and, when the file changed:\n  systemctl --user restart codex-shim.service')
    expect(existsSync(unitPath)).toBe(false)
  })

  test('install --port 0 is refused: a service needs a port Codex\'s config can name (it wrote --port 0 into the unit)', () => {
    const run = runCli(['service', 'install', '--dry-run', '--port', '0'], { XDG_CONFIG_HOME: xdg })
    expect(run.code).toBe(2)
    expect(run.output).toContain('a service needs a fixed one')
  })

  test('uninstall --dry-run lists the commands and the file it would remove', async () => {
    await runCommand(service, { rawArgs: ['uninstall', '--dry-run'] })
    if (process.platform !== 'linux') return void expect(printed.join('\n')).toContain(process.platform === 'win32' ? 'schtasks /Delete /F /TN codex-shim' : 'launchctl bootout gui/')
    expect(printed.join('\n')).toBe(
      ['Would run:', '  systemctl --user disable --now codex-shim.service   (a failure here is fine)', `Would remove ${join(xdg, 'systemd', 'user', 'codex-shim.service')}`, 'Then run:', '  systemctl --user daemon-reload   (a failure here is fine)'].join('\n'),
    )
  })

  test('from a checkout the service runs bun with the absolute src/cli.ts; compiled, the binary itself', () => {
    expect(serviceProgram('/usr/bin/bun', '/work/app/test.ts')).toEqual(['/usr/bin/bun', resolve(import.meta.dir, '../../src/cli.ts')])
    expect(serviceProgram('/usr/local/bin/codex-shim', '/$bunfs/root/codex-shim')).toEqual(['/usr/local/bin/codex-shim'])
    expect(serviceProgram('C:\\bin\\codex-shim.exe', 'B:\\~BUN\\root\\codex-shim.exe')).toEqual(['C:\\bin\\codex-shim.exe'])
  })
})
