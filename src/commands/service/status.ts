import { defineCommand } from 'citty'
import { log } from '../../log.ts'
import { DEFAULT_PORT } from '../../paths.ts'
import { currentHost, serviceProgram, serviceStatus } from '../../service/index.ts'
import { jsonArgs, verboseArgs } from '../_args.ts'
import { runGuarded } from '../_run.ts'

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
      else log.warn(`The ${status.manager} service is installed but not running.`)
      console.log(`  manager  ${status.detail}`)
      if (status.file) console.log(`  file     ${status.file}`)
      return status.running ? 0 : 1
    }),
})
