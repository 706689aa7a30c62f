import { defineCommand } from 'citty'
import { stopDaemon } from '../daemon/lifecycle.ts'
import { log } from '../log.ts'
import { verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'stop', description: 'Stop the background proxy' },
  args: { ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const result = await stopDaemon()
      if (result.state === 'stopped') log.success(`codex-shim stopped (pid ${result.pid})`)
      else log.info('codex-shim is not running')
    }),
})
