import { defineCommand } from 'citty'
import { currentManagedModel } from '../../codex/manage-config.ts'
import { modelListFor } from '../../routing/model-list.ts'
import { loadSettings } from '../../settings/load.ts'
import { jsonArgs, settingsArgs, verboseArgs } from '../_args.ts'
import { runGuarded } from '../_run.ts'

export default defineCommand({
  meta: { name: 'list', description: "List model slugs (configured, aliases, the auto router, then your ChatGPT and Cursor plans'); * marks the one in the managed config" },
  args: { ...settingsArgs, ...jsonArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const current = currentManagedModel()
      const models = await modelListFor(loadSettings(args.settings)).all()
      if (args.json) {
        console.log(JSON.stringify({ current, models: models.map((entry) => entry.id) }))
        return
      }
      const width = Math.max(0, ...models.map((entry) => entry.id.length))
      for (const entry of models) console.log(`${entry.id === current ? '*' : ' '} ${entry.id.padEnd(width)}  ${entry.display_name}`)
    }),
})
