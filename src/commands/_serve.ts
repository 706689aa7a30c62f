import { defineCommand } from 'citty'
import { serveForeground } from '../daemon/lifecycle.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

/** What the background daemon runs: the same binary, re-invoked by `start`. */
export default defineCommand({
  meta: { name: '_serve', description: 'Run the proxy (used by start)', hidden: true },
  args: { ...portArgs, ...hostArgs, ...settingsArgs, tunnel: { type: 'boolean' }, 'tunnel-tool': { type: 'string' }, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      await serveForeground({ host: parseHost(args.host), port: parsePort(args.port), settingsPath: args.settings, tunnel: args.tunnel ? (args['tunnel-tool'] ?? true) : undefined, daemon: true })
    }),
})
