import { defineCommand } from 'citty'
import { serveForeground, startDaemon } from '../daemon/lifecycle.ts'
import { log } from '../log.ts'
import { shimPaths } from '../paths.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'start', description: 'Start the proxy in the background (or attached with --foreground)' },
  args: {
    ...portArgs,
    ...hostArgs,
    ...settingsArgs,
    foreground: { type: 'boolean', description: 'Run attached to this terminal; Ctrl-C stops it' },
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const options = { host: parseHost(args.host), port: parsePort(args.port), settingsPath: args.settings }
      if (args.foreground) {
        serveForeground(options)
        return
      }
      const { state, info } = await startDaemon(options)
      if (state === 'already-running') {
        log.info(`codex-shim is already running (pid ${info.pid}) on http://${info.host}:${info.port}`)
        return
      }
      log.success(`codex-shim ${info.version} started (pid ${info.pid}) on http://${info.host}:${info.port}`)
      log.info(`Log: ${shimPaths.logFile()}`)
    }),
})
