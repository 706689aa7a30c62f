import { defineCommand } from 'citty'
import { orderedModels } from '../../codex/catalog.ts'
import { currentManagedModel } from '../../codex/manage-config.ts'
import { loadSettings } from '../../settings/load.ts'
import { jsonArgs, settingsArgs, verboseArgs } from '../_args.ts'
import { runGuarded } from '../_run.ts'

export default defineCommand({
  meta: { name: 'list', description: 'List model slugs; * marks the one in the managed config' },
  args: { ...settingsArgs, ...jsonArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, () => {
      const current = currentManagedModel()
      const models = orderedModels(loadSettings(args.settings))
      if (args.json) {
        console.log(JSON.stringify({ current, models: models.map((m) => m.slug) }))
        return
      }
      for (const model of models) console.log(`${model.slug === current ? '*' : ' '} ${model.slug}  ${model.display_name}`)
    }),
})
