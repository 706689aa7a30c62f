import { defineCommand } from 'citty'
import { log } from '../../log.ts'
import { DEFAULT_PORT } from '../../paths.ts'
import { currentHost, serviceProgram, serviceStatus } from '../../service/index.ts'
import { jsonArgs, verboseArgs } from '../_args.ts'
import { runGuarded } from '../_run.ts'
import { runningDaemon } from '../../daemon/lifecycle.ts'
import type { ServiceStatus } from '../../service/index.ts'

/** A manager restarting a proxy that exits at once: most often, `codex-shim start`'s daemon has the port. */
async function failingMessage(manager: ServiceStatus['manager']): Promise<string> {
  const daemon = await runningDaemon()
  const cause = daemon
    ? ` The daemon from \`codex-shim start\` (pid ${daemon.info.pid}) holds port ${daemon.info.port}: if that is the service's port, stop it with \`codex-shim stop\`, then run \`codex-shim service install\` again.`
    : manager === 'systemd'
      ? ' See why with `journalctl --user -u codex-shim`.'
      : ''
  return `The ${manager} service is failing: its proxy keeps exiting and the manager keeps starting it (or has given up).${cause}`
}

export default defineCommand({
  meta: { name: 'status', description: 'Is the login service installed, and does its manager have the proxy running? (exit 1 when not running)' },
  args: { ...jsonArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const status = await serviceStatus(currentHost(), { port: DEFAULT_PORT, program: serviceProgram() })
      if (args.json) {
        console.log(JSON.stringify(status))
        return status.running ? 0 : 1
      }
      if (!status.installed) {
        log.info(`The codex-shim login service is not installed. Add it with \`codex-shim service install\`.`)
        return 1
      }
      if (status.running) log.success(`The ${status.manager} service is running${status.pid ? ` (pid ${status.pid})` : ''}.`)
      else if (status.failing) log.warn(await failingMessage(status.manager))
      else log.warn(`The ${status.manager} service is installed but not running.`)
      console.log(`  manager  ${status.detail}`)
      if (status.file) console.log(`  file     ${status.file}`)
      return status.running ? 0 : 1
    }),
})
