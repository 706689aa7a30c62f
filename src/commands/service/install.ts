import { defineCommand } from 'citty'
import { log } from '../../log.ts'
import { currentHost, installService, planService, serviceProgram } from '../../service/index.ts'
import { parsePort, portArgs, UsageError, verboseArgs } from '../_args.ts'
import { runGuarded } from '../_run.ts'
import { dryRunArgs, showCommand } from './_shared.ts'

export default defineCommand({
  meta: { name: 'install', description: 'Run the proxy at login on 127.0.0.1 and start it now (safe to repeat)' },
  args: { ...portArgs, ...dryRunArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const host = currentHost()
      const options = { port: parsePort(args.port), program: serviceProgram() }
      // A service starts at every login: port 0 would put it somewhere new each time, where Codex's config cannot follow.
      if (options.port === 0) throw new UsageError('--port 0 picks a different port at each start; a service needs a fixed one (the default is 8765).')
      if (args['dry-run']) {
        const plan = planService(host, options)
        if (plan.file) console.log(`Would write ${plan.file.path}:\n\n${plan.file.content}`)
        console.log(['Would run:', ...plan.install.map(showCommand), ...(plan.reload.length ? ['and, when the file changed:', ...plan.reload.map(showCommand)] : [])].join('\n'))
        return
      }
      const { state, plan } = await installService(host, options)
      const where = plan.file ? ` (${plan.file.path})` : ''
      if (state === 'unchanged') log.info(`The ${plan.manager} service was already installed${where}; made sure it is enabled and running.`)
      else log.success(`${state === 'updated' ? 'Updated' : 'Installed'} the ${plan.manager} service${where}: codex-shim runs at login on http://127.0.0.1:${options.port}.`)
      log.info('Check it with `codex-shim service status`; remove it with `codex-shim service uninstall`.')
    }),
})
