import type { CommandResult, CommandRunner } from '../../src/service/types.ts'

/**
 * A service manager stand-in: records every argv it is asked to run and
 * answers from `respond`, so tests assert the exact sequence install,
 * status and uninstall produce without a real systemd/launchd/schtasks.
 */
export function recordingRunner(respond: (argv: string[]) => Partial<CommandResult> = () => ({})): { run: CommandRunner; calls: string[][] } {
  const calls: string[][] = []
  const run: CommandRunner = async (argv) => {
    calls.push(argv)
    return { code: 0, stdout: '', stderr: '', ...respond(argv) }
  }
  return { run, calls }
}

/**
 * A tiny `systemctl --user` with state: enable/start/restart/disable change
 * what `show` reports, and `show` reports not-found until daemon-reload has
 * seen the unit file on disk, like the real manager.
 */
export function fakeSystemctl(unitExists: () => boolean): { run: CommandRunner; calls: string[][] } {
  let known = false
  let active = false
  let pid = 1000
  return recordingRunner((argv) => {
    if (argv[0] !== 'systemctl' || argv[1] !== '--user') return { code: 127, stderr: `${argv[0]}: not found` }
    const [verb, ...rest] = argv.slice(2)
    switch (verb) {
      case 'daemon-reload':
        known = unitExists()
        if (!known) active = false
        return {}
      case 'enable':
        if (!known) return { code: 1, stderr: 'Failed to enable unit: Unit file codex-shim.service does not exist.' }
        if (rest.includes('--now')) active = true
        return {}
      case 'restart':
        if (!known) return { code: 5, stderr: 'Failed to restart codex-shim.service: Unit codex-shim.service not found.' }
        active = true
        pid += 1
        return {}
      case 'disable':
        if (!known) return { code: 1, stderr: 'Failed to disable unit: Unit file codex-shim.service does not exist.' }
        if (rest.includes('--now')) active = false
        return {}
      case 'show':
        return { stdout: known ? `LoadState=loaded\nActiveState=${active ? 'active' : 'inactive'}\nSubState=${active ? 'running' : 'dead'}\nMainPID=${active ? pid : 0}\n` : 'LoadState=not-found\nActiveState=inactive\nSubState=dead\nMainPID=0\n' }
      default:
        return { code: 1, stderr: `Unknown command verb ${verb}.` }
    }
  })
}
