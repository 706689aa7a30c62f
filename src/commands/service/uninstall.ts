import { defineCommand } from 'citty'
import { log } from '../../log.ts'
import { currentHost, planService, serviceProgram, uninstallService } from '../../service/index.ts'
import { DEFAULT_PORT } from '../../paths.ts'
import { verboseArgs } from '../_args.ts'
import { runGuarded } from '../_run.ts'
import { dryRunArgs, showCommand } from './_shared.ts'

export default defineCommand({
  meta: { name: 'uninstall', description: 'Stop the login service and remove what `service install` added' },
  args: { ...dryRunArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const host = currentHost()
      // The port only shapes the file we would write; removing does not depend on it.
      const options = { port: DEFAULT_PORT, program: serviceProgram() }
      if (args['dry-run']) {
        const plan = planService(host, options)
        console.log(['Would run:', ...plan.uninstall.map(showCommand), ...(plan.file ? [`Would remove ${plan.file.path}`] : []), ...(plan.afterRemove.length ? ['Then run:', ...plan.afterRemove.map(showCommand)] : [])].join('\n'))
        return
      }
      const { state, plan } = await uninstallService(host, options)
      if (state === 'not-installed') log.info(`No codex-shim ${plan.manager} service is installed; nothing to remove.`)
      else log.success(`Removed the ${plan.manager} service${plan.file ? ` (${plan.file.path})` : ''}.`)
    }),
})
