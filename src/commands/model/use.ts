import { defineCommand } from 'citty'
import { generateFiles } from '../../codex/generate.ts'
import { useModelInConfig } from '../../codex/manage-config.ts'
import { managedPort } from '../../codex/config-block.ts'
import { log } from '../../log.ts'
import { codexPaths } from '../../paths.ts'
import { loadSettings } from '../../settings/load.ts'
import { parsePort, settingsArgs, verboseArgs } from '../_args.ts'
import { requireSlug } from '../_context.ts'
import { runGuarded } from '../_run.ts'
import { existsSync, readFileSync } from 'node:fs'

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
      const slug = requireSlug(settings, args.slug)
      const path = codexPaths.config()
      const port = managedPort(existsSync(path) ? readFileSync(path, 'utf8') : '') ?? parsePort(undefined)
      const generated = await generateFiles(settings, { port })
      const change = useModelInConfig(slug, { port, catalogPath: generated.catalogPath })
      if (change.changed) log.success(`Codex will use ${slug} (${path})`)
      else log.info(`Codex already uses ${slug}`)
    }),
})
