import { defineCommand } from 'citty'
import { log } from '../log.ts'
import { loadSettings } from '../settings/load.ts'
import { parseHost, parseWrittenPort, portArgs, settingsArgs, verboseArgs, writtenHostArgs } from './_args.ts'
import { chooseModel, enableFor, warnIfProfileOverrides } from './_context.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'enable', description: 'Make Codex use codex-shim: a managed block in ~/.codex/config.toml (undo with disable)' },
  args: {
    model: { type: 'string', alias: 'm', description: "Model slug Codex starts with (default: the first configured, else your ChatGPT plan's default)", valueHint: 'SLUG' },
    ...settingsArgs,
    ...portArgs,
    ...writtenHostArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      // Bad flags first: they are the user's to fix whatever the settings say.
      const where = { port: parseWrittenPort(args.port), host: parseHost(args.host) }
      const settings = loadSettings(args.settings)
      const chosen = await chooseModel(settings, args.model)
      const model = chosen.slug
      const change = await enableFor(settings, chosen, where)
      if (!change.changed) log.info(`${change.path} already uses codex-shim with model ${model}`)
      else log.success(`Codex now uses codex-shim (model ${model}) via ${change.path}${change.backup ? `; backup at ${change.backup}` : ''}`)
      warnIfProfileOverrides(change.path)
      log.info('Start the proxy with `codex-shim start`; undo with `codex-shim disable`.')
    }),
})
