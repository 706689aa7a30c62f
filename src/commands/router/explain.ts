import { defineCommand } from 'citty'
import { chatgptDisabled } from '../../chatgpt/auth.ts'
import { ChatgptService } from '../../chatgpt/service.ts'
import { LOG_LEVELS, log } from '../../log.ts'
import { ModelList } from '../../routing/model-list.ts'
import { createRouter, providerClassifier, type RouterDecision } from '../../routing/router.ts'
import { routerEnabled, type RouterSettings } from '../../routing/router-settings.ts'
import { idleTimeoutFromEnv } from '../../server/deps.ts'
import { loadSettings } from '../../settings/load.ts'
import { retryPolicyFromEnv } from '../../upstream/retry.ts'
import { jsonArgs, settingsArgs, UsageError, verboseArgs } from '../_args.ts'
import { runGuarded } from '../_run.ts'
import { requireRouterSettings } from './_settings.ts'

/** Why this model, in one line. */
function why(decision: RouterDecision, router: RouterSettings, image: boolean): string {
  const threshold = router.threshold.toFixed(2)
  switch (decision.reason) {
    case 'classified':
    case 'same-task':
    case 'same-text':
      return (decision.scores[decision.slug] ?? 0) >= router.threshold
        ? `the cheapest candidate scoring at least ${threshold}`
        : `no ${image ? 'image-capable ' : ''}candidate reached ${threshold}; the best scored`
    case 'default':
      return `the default: the classifier gave no usable answer (${decision.failure ?? 'unknown'})`
    case 'disabled':
      return 'the default: CODEX_SHIM_DISABLE_ROUTER=1'
    default: {
      const unknown: never = decision.reason
      return unknown
    }
  }
}

function table(decision: RouterDecision, router: RouterSettings): string[] {
  const rows = router.candidates.map((candidate) => [
    candidate.slug,
    candidate.slug in decision.scores ? decision.scores[candidate.slug]!.toFixed(2) : '-',
    String(candidate.cost),
    candidate.supports_images ? 'yes' : 'no',
    candidate.slug === decision.slug ? '<- chosen' : '',
  ])
  const header = ['CANDIDATE', 'SCORE', 'COST', 'IMAGES', '']
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)))
  return [header, ...rows].map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd())
}

export default defineCommand({
  meta: { name: 'explain', description: 'Score a task with the router\'s classifier and show which model it would get, without running the task (exit 1 when the classifier fails and the default is used)' },
  args: {
    task: { type: 'positional', description: 'The task text, as a user would type it', required: true },
    image: { type: 'boolean', description: 'Treat the task as carrying an image (only image-capable candidates)' },
    ...settingsArgs,
    ...jsonArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const text = String(args.task ?? '').trim()
      if (!text) throw new UsageError('router explain needs a task text, e.g. `codex-shim router explain "fix the typo in README.md"`.')
      const settings = loadSettings(args.settings)
      const chatgpt = chatgptDisabled() ? null : new ChatgptService()
      const models = new ModelList(settings, { chatgpt })
      const routerSettings = requireRouterSettings(settings)
      // The decision is the output; the router's own log lines only with --verbose (failures always).
      const routerLog = (args.verbose ? log : log.create({ level: Math.min(log.level, LOG_LEVELS.warn) })).withTag('router')
      const router = createRouter({
        settings: routerSettings,
        log: routerLog,
        open: providerClassifier({
          resolve: (slug) => models.resolve(slug),
          context: (signal) => ({
            signal,
            fetch: globalThis.fetch,
            log: routerLog,
            idleTimeoutMs: idleTimeoutFromEnv(),
            clientHeaders: new Headers(),
            retry: retryPolicyFromEnv(),
            onRetry: (reason) => routerLog.debug(`retrying the classifier: ${reason}`),
            keepAlive: () => {},
            services: { chatgpt },
          }),
        }),
      })
      // As the proxy does: with the router switched off by the environment its slug goes to the default, unasked.
      const switchedOff = routerSettings.enabled && !routerEnabled(routerSettings)
      const decision: RouterDecision = switchedOff ? { slug: routerSettings.default, scores: {}, cached: false, reason: 'disabled' } : await router.explain(text, { image: Boolean(args.image) })
      const failed = decision.reason === 'default'
      if (args.json) {
        console.log(
          JSON.stringify({
            router: routerSettings.slug,
            classifier: routerSettings.classifier,
            threshold: routerSettings.threshold,
            image: Boolean(args.image),
            chosen: decision.slug,
            reason: decision.reason,
            ...(decision.failure && { failure: decision.failure }),
            scores: decision.scores,
          }),
        )
        return failed ? 1 : 0
      }
      console.log(`Router ${routerSettings.slug}: classifier ${routerSettings.classifier}, threshold ${routerSettings.threshold.toFixed(2)}${args.image ? ', task with an image' : ''}`)
      for (const line of table(decision, routerSettings)) console.log(`  ${line}`)
      console.log(`Chosen: ${decision.slug} (${why(decision, routerSettings, Boolean(args.image))})`)
      return failed ? 1 : 0
    }),
})
