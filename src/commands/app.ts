import { resolve } from 'node:path'
import { defineCommand } from 'citty'
import { withLoopbackNoProxy } from '../codex/launch.ts'
import { startDaemon } from '../daemon/lifecycle.ts'
import { ShimError } from '../errors.ts'
import { log } from '../log.ts'
import { loadSettings } from '../settings/load.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, verboseArgs } from './_args.ts'
import { chooseModel, enableFor, requireCodex, warnIfRunningDiffers } from './_context.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'app', description: 'Enable codex-shim and open Codex Desktop (macOS, Windows) on a folder' },
  args: {
    path: { type: 'positional', description: 'Workspace folder (default: the current directory)', required: false },
    model: { type: 'string', alias: 'm', description: "Model slug (default: the first configured, else your ChatGPT plan's default)", valueHint: 'SLUG' },
    ...settingsArgs,
    ...portArgs,
    ...hostArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      if (process.platform !== 'darwin' && process.platform !== 'win32') {
        throw new ShimError('config', 'Codex Desktop runs on macOS and Windows only; on Linux use `codex-shim codex` for the CLI.')
      }
      const bin = requireCodex()
      const settings = loadSettings(args.settings)
      const chosen = await chooseModel(settings, args.model)
      const model = chosen.slug
      const port = parsePort(args.port)
      const started = await startDaemon({ host: parseHost(args.host), port, settingsPath: args.settings })
      warnIfRunningDiffers(started, { port: args.port === undefined ? undefined : port, settings: args.settings })
      const { info } = started
      // Desktop reads config.toml only (and only at launch), so the managed block is required here.
      const change = await enableFor(settings, chosen, { port: info.port, host: info.host })
      if (change.changed) log.info(`Enabled codex-shim in ${change.path}`)
      const workspace = resolve(args.path ?? '.')
      const child = Bun.spawn([bin, 'app', workspace], { stdio: ['ignore', 'inherit', 'inherit'], env: withLoopbackNoProxy(process.env) })
      const code = await child.exited
      if (code === 0) log.success(`Opened Codex Desktop on ${workspace} with ${model}. If it was already open, quit and reopen it to load the new config.`)
      return code
    }),
})
