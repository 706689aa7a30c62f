import { defineCommand } from 'citty'
import { startDaemon } from '../daemon/lifecycle.ts'
import { printSetupCard, runForeground, tunnelOf } from './_foreground.ts'
import { log } from '../log.ts'
import { shimPaths } from '../paths.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, tunnelArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'
import { displayUrl, pageAddress } from '../ui/page-address.ts'

export default defineCommand({
  meta: { name: 'start', description: 'Start the proxy in the background (or attached with --foreground)' },
  args: {
    ...portArgs,
    ...hostArgs,
    ...settingsArgs,
    foreground: { type: 'boolean', description: 'Run attached to this terminal; Ctrl-C stops it' },
    ...tunnelArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    args.foreground ? runForeground(args) : runGuarded(args, async () => {
      const tunnel = tunnelOf(args)
      const options = { host: parseHost(args.host), port: parsePort(args.port), settingsPath: args.settings, tunnel }
      const { state, info } = await startDaemon(options)
      if (state === 'already-running') {
        log.info(`codex-shim is already running (pid ${info.pid}) on ${displayUrl(info.host, info.port)}${info.public_url ? `, tunnel ${info.public_url}` : ''}`)
        if (tunnel && !info.public_url) log.warn('It was started without --tunnel; run `codex-shim restart --tunnel` to add one.')
        return
      }
      log.success(`codex-shim ${info.version} started (pid ${info.pid}) on ${displayUrl(info.host, info.port)}`)
      log.info(`Control page: ${pageAddress(info.host, info.port)} (or run \`codex-shim ui\`)`)
      log.info(`Log: ${shimPaths.logFile()}`)
      if (tunnel) await printSetupCard(info.public_url, info.port, args.settings)
    }),
})
