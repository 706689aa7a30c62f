import { defineCommand } from 'citty'
import { startDaemon, stopDaemon } from '../daemon/lifecycle.ts'
import { readPidFile } from '../daemon/pid-file.ts'
import { ShimError } from '../errors.ts'
import { log } from '../log.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'restart', description: 'Restart the background proxy (reloads settings)' },
  args: { ...portArgs, ...hostArgs, ...settingsArgs, tunnel: { type: 'boolean', description: 'Restart with a tunnel (kept if the previous daemon had one)' }, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const previous = await readPidFile()
      const stopped = await stopDaemon()
      if (stopped.state === 'not-ours' && !stopped.stale) throw new ShimError('config', `Not stopping pid ${stopped.pid}: ${stopped.reason}. If it is a hung codex-shim, end it yourself (kill ${stopped.pid}), then run restart again.`)
      // Keep the previous daemon's address and settings unless told otherwise.
      const { info } = await startDaemon({
        host: args.host ? parseHost(args.host) : (previous?.host ?? parseHost(undefined)),
        port: args.port ? parsePort(args.port) : (previous?.port ?? parsePort(undefined)),
        settingsPath: args.settings ?? previous?.settings ?? undefined,
        tunnel: args.tunnel || previous?.tunnel || undefined,
      })
      log.success(`codex-shim restarted (pid ${info.pid}) on http://${info.host}:${info.port}`)
    }),
})
