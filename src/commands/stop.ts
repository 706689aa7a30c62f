import { defineCommand } from 'citty'
import { damagedPidFileMessage, stopDaemon } from '../daemon/lifecycle.ts'
import { log } from '../log.ts'
import { verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'stop', description: 'Stop the background proxy' },
  args: { ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const result = await stopDaemon()
      switch (result.state) {
        case 'stopped':
          log.success(`codex-shim stopped (pid ${result.pid})`)
          return 0
        case 'not-running':
          log.info('codex-shim is not running')
          return 0
        case 'not-ours':
          if (result.stale) {
            log.warn(`Not stopping pid ${result.pid}: ${result.reason}. The pid file was stale and is removed; codex-shim is not running.`)
            return 0
          }
          log.error(`Not stopping pid ${result.pid}: ${result.reason}. If it is a hung codex-shim, end it yourself (kill ${result.pid}).`)
          return 1
        case 'pid-file-damaged':
          log.error(damagedPidFileMessage())
          return 1
        default:
          return result satisfies never
      }
    }),
})
