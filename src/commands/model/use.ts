import { defineCommand } from 'citty'
import { switchManagedModel } from '../../codex/use-model.ts'
import { log } from '../../log.ts'
import { modelListFor } from '../../routing/model-list.ts'
import { loadSettings } from '../../settings/load.ts'
import { parsePort, settingsArgs, verboseArgs } from '../_args.ts'
import { displayNameOf, warnIfProfileOverrides } from '../_context.ts'
import { runGuarded } from '../_run.ts'

export default defineCommand({
  meta: { name: 'use', description: 'Switch the model in the managed config block (restart Codex to apply)' },
  args: {
    slug: { type: 'positional', description: 'Model slug (see `codex-shim model list`)', required: true },
    ...settingsArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const settings = loadSettings(args.settings)
      const list = modelListFor(settings)
      const slug = await list.require(args.slug)
      const change = await switchManagedModel(settings, { slug, displayName: await displayNameOf(list, slug) }, parsePort(undefined))
      if (change.changed) log.success(`Codex will use ${slug} (${change.path})`)
      else log.info(`Codex already uses ${slug}`)
      warnIfProfileOverrides(change.path)
    }),
})
