import { defineCommand } from 'citty'
import { checkStartOptions, damagedPidFileMessage, startDaemon, stopDaemon } from '../daemon/lifecycle.ts'
import { pidFileDamaged, readPidFile } from '../daemon/pid-file.ts'
import { ShimError } from '../errors.ts'
import { log } from '../log.ts'
import { displayUrl } from '../ui/page-address.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, tunnelArgs, verboseArgs } from './_args.ts'
import { printSetupCard } from './_foreground.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'restart', description: 'Restart the background proxy (reloads settings)' },
  // Each defaults to what the running proxy was started with, not to start's defaults.
  args: {
    port: { ...portArgs.port, description: 'Port of the proxy (default: the running proxy\'s, else 8765)' },
    host: { ...hostArgs.host, description: 'Address to listen on (default: the running proxy\'s, else 127.0.0.1)' },
    settings: { ...settingsArgs.settings, description: 'Settings file (default: the running proxy\'s, else ~/.codex-shim/models.json)' },
    tunnel: { type: 'boolean', description: 'Restart with a tunnel (kept if the previous daemon had one; --no-tunnel drops it)' },
    'tunnel-tool': { ...tunnelArgs['tunnel-tool'], description: 'With --tunnel: cloudflared or ngrok (default: the previous daemon\'s, else whichever is installed)' },
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const previous = await readPidFile()
      if (!previous && (await pidFileDamaged())) throw new ShimError('config', damagedPidFileMessage())
      // Keep the previous daemon's address and settings unless told otherwise.
      const options = {
        host: args.host ? parseHost(args.host) : (previous?.host ?? parseHost(undefined)),
        port: args.port ? parsePort(args.port) : (previous?.port ?? parsePort(undefined)),
        settingsPath: args.settings ?? previous?.settings ?? undefined,
        // `--no-tunnel` drops it; left out, the previous daemon's is kept.
        tunnel: args.tunnel === false ? undefined : args.tunnel ? (args['tunnel-tool'] ?? previous?.tunnel ?? true) : previous?.tunnel || undefined,
      }
      // Settings broken since the start, a port taken: said before the running proxy is stopped, not after.
      await checkStartOptions(options, previous)
      const stopped = await stopDaemon()
      // Starting now could put a second daemon beside one we cannot see.
      if (stopped.state === 'pid-file-damaged') throw new ShimError('config', damagedPidFileMessage())
      if (stopped.state === 'not-ours' && !stopped.stale) throw new ShimError('config', `Not stopping pid ${stopped.pid}: ${stopped.reason}. If it is a hung codex-shim, end it yourself (kill ${stopped.pid}), then run restart again.`)
      const { info } = await startDaemon(options)
      log.success(`codex-shim restarted (pid ${info.pid}) on ${displayUrl(info.host, info.port)}`)
      // A new tunnel has a new public URL (a quick tunnel's host is random): Cursor needs it again.
      if (options.tunnel) await printSetupCard(info.public_url, info.port, options.settingsPath)
    }),
})
