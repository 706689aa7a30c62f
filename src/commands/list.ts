import { defineCommand } from 'citty'
import { modelListFor } from '../routing/model-list.ts'
import { log } from '../log.ts'
import { shimPaths } from '../paths.ts'
import { redactUrl } from '../redact.ts'
import { loadSettings } from '../settings/load.ts'
import { jsonArgs, settingsArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'list', description: 'List the models you can use: configured, aliases, your ChatGPT plan\'s and your Cursor subscription\'s (exit 1 when none)' },
  args: { ...settingsArgs, ...jsonArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const settings = loadSettings(args.settings)
      const models = await modelListFor(settings).all()
      if (args.json) {
        // The router's row names the models it chooses among: it has no upstream of its own.
        const candidates = settings.router?.candidates.map((candidate) => candidate.slug) ?? []
        console.log(JSON.stringify(models.map((entry) => entry.source === 'router'
          ? { slug: entry.id, display_name: entry.display_name, provider: entry.provider, model: null, base_url: null, routes_among: candidates }
          : { slug: entry.id, display_name: entry.display_name, provider: entry.provider, model: entry.model.model, base_url: entry.model.base_url ? redactUrl(entry.model.base_url) : null, ...(entry.alias_of ? { alias_of: entry.alias_of } : {}) })))
        return models.length ? 0 : 1
      }
      if (!models.length) {
        log.warn(`No models configured${settings.path ? ` in ${settings.path}` : ''}. Add entries to ${settings.path ?? shimPaths.settings()} (or pass --settings FILE), run \`codex login\` to use your ChatGPT plan, or \`cursor-agent login\` to use your Cursor subscription.`)
        return 1
      }
      const upstreamOf = (m: (typeof models)[number]) => {
        if (m.alias_of) return `alias of ${m.alias_of}`
        if (m.source === 'router') return `picks among ${settings.router?.candidates.map((candidate) => candidate.slug).join(', ') ?? '-'}`
        return `${m.model.base_url ? redactUrl(m.model.base_url) : m.provider} (${m.model.model})`
      }
      const rows = models.map((m) => [m.id, m.display_name, m.provider, upstreamOf(m)])
      const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i]!.length), ['SLUG', 'NAME', 'PROVIDER'][i]!.length))
      const line = (row: string[]) => row.map((cell, i) => (i < 3 ? cell.padEnd(widths[i]!) : cell)).join('  ')
      console.log(line(['SLUG', 'NAME', 'PROVIDER', 'UPSTREAM']))
      for (const row of rows) console.log(line(row))
      return 0
    }),
})
