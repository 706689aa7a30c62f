import { defineCommand } from 'citty'
import { existsSync, readFileSync } from 'node:fs'
import { managedHost, managedPort } from '../../codex/config-block.ts'
import { generateFiles } from '../../codex/generate.ts'
import { useModelInConfig } from '../../codex/manage-config.ts'
import { log } from '../../log.ts'
import { codexPaths } from '../../paths.ts'
import { modelListFor } from '../../routing/model-list.ts'
import { loadSettings } from '../../settings/load.ts'
import { parsePort, settingsArgs, verboseArgs } from '../_args.ts'
import { displayNameOf } from '../_context.ts'
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
      const path = codexPaths.config()
      const text = existsSync(path) ? readFileSync(path, 'utf8') : ''
      // The block keeps the address `enable` gave it, `--host` included.
      const where = { port: managedPort(text) ?? parsePort(undefined), host: managedHost(text) ?? undefined }
      const generated = await generateFiles(settings, where)
      const change = useModelInConfig(slug, { ...where, providerName: await displayNameOf(list, slug), catalogPath: generated.catalogPath })
      if (change.changed) log.success(`Codex will use ${slug} (${path})`)
      else log.info(`Codex already uses ${slug}`)
    }),
})
