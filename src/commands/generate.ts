import { defineCommand } from 'citty'
import { generateFiles } from '../codex/generate.ts'
import { log } from '../log.ts'
import { loadSettings } from '../settings/load.ts'
import { parseHost, parseWrittenPort, portArgs, settingsArgs, verboseArgs, writtenHostArgs } from './_args.ts'
import { runGuarded } from './_run.ts'
import { plural } from '../plural.ts'

export default defineCommand({
  meta: { name: 'generate', description: 'Write the Codex model catalog and a provider snippet under ~/.codex-shim' },
  args: { ...settingsArgs, ...portArgs, ...writtenHostArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const where = { port: parseWrittenPort(args.port), host: parseHost(args.host) }
      const settings = loadSettings(args.settings)
      const result = await generateFiles(settings, where)
      log.success(`Wrote ${result.catalogPath} (${plural(result.models.length, 'model')}${result.models.length ? `: ${result.models.join(', ')}` : ''})`)
      log.info(`Provider snippet: ${result.snippetPath}`)
      if (!result.instructionsFrom) log.warn('Codex is not installed here, so the catalog uses a short fallback system prompt. Install Codex (npm i -g @openai/codex) and run generate again.')
      else log.info(`System prompt (base_instructions) taken from ${result.instructionsFrom}`)
    }),
})
