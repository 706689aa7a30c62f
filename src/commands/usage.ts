import { defineCommand } from 'citty'
import type { QuotaSnapshot, QuotaWindow } from '../chatgpt/quota.ts'
import { runningDaemon } from '../daemon/lifecycle.ts'
import { clientHost } from '../daemon/probe.ts'
import { isShimError } from '../errors.ts'
import { log } from '../log.ts'
import { DEFAULT_SINCE } from '../usage/api.ts'
import { readSummary, usageDbPath } from '../usage/ledger.ts'
import { summaryCsv, summaryTable } from '../usage/report.ts'
import { parseSince } from '../usage/since.ts'
import { emptySummary, SUMMARY_BY, type Summary, type SummaryBy } from '../usage/summarise.ts'
import { jsonArgs, UsageError, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

function windowLabel(minutes: number | null): string {
  if (minutes === null) return 'window'
  if (minutes % 10080 === 0) return `${minutes / 10080}-week window`
  if (minutes % 1440 === 0) return `${minutes / 1440}-day window`
  if (minutes % 60 === 0) return `${minutes / 60}-hour window`
  return `${minutes}-minute window`
}

function describe(window: QuotaWindow): string {
  const left = Math.max(0, 100 - window.used_percent)
  const reset = window.resets_at ? `, resets ${new Date(window.resets_at * 1000).toLocaleString()}` : ''
  return `${window.used_percent.toFixed(1)}% used, ${left.toFixed(1)}% left (${windowLabel(window.window_minutes)}${reset})`
}

interface PlanView {
  proxy_running: boolean
  chatgpt_passthrough: boolean
  quota: QuotaSnapshot | null
}

/** The ChatGPT plan's figures live in the running proxy's memory (from the backend's headers). */
async function readPlan(): Promise<PlanView> {
  const running = await runningDaemon()
  if (!running) return { proxy_running: false, chatgpt_passthrough: false, quota: null }
  try {
    const health = (await (await fetch(`http://${clientHost(running.info.host)}:${running.info.port}/health`)).json()) as { chatgpt_passthrough?: boolean; chatgpt_quota?: QuotaSnapshot | null }
    return { proxy_running: true, chatgpt_passthrough: Boolean(health.chatgpt_passthrough), quota: health.chatgpt_quota ?? null }
  } catch {
    return { proxy_running: true, chatgpt_passthrough: false, quota: null }
  }
}

/** Prints the plan view; false when there was nothing to show (and says why). */
function printPlan(plan: PlanView, quiet: boolean): boolean {
  if (!plan.proxy_running) {
    if (quiet) log.info('ChatGPT plan: codex-shim is not running (its figures live in the running proxy).')
    else log.error('codex-shim is not running; start it with `codex-shim start`, then use a ChatGPT model once.')
    return false
  }
  if (!plan.chatgpt_passthrough) {
    if (!quiet) log.warn('No usable ChatGPT login: run `codex login` (ChatGPT sign-in).')
    return false
  }
  const quota = plan.quota
  if (!quota) {
    log.info(`${quiet ? 'ChatGPT plan: ' : ''}No figures yet: the ChatGPT backend reports them with each response. Send one request through a ChatGPT model, then ask again.`)
    return false
  }
  console.log(`ChatGPT plan${quota.plan_type ? ` (${quota.plan_type})` : ''}, as of ${new Date(quota.updated_at).toLocaleString()}`)
  if (quota.primary) console.log(`  primary    ${describe(quota.primary)}`)
  if (quota.secondary) console.log(`  secondary  ${describe(quota.secondary)}`)
  if (quota.credits) console.log(`  credits    ${quota.credits.unlimited ? 'unlimited' : (quota.credits.balance ?? (quota.credits.has_credits ? 'available' : 'none'))}`)
  return true
}

function parseBy(value: string | undefined): SummaryBy | undefined {
  if (value === undefined || value === '') return undefined
  if ((SUMMARY_BY as readonly string[]).includes(value)) return value as SummaryBy
  throw new UsageError(`--by expects one of ${SUMMARY_BY.join(', ')}, got "${value}".`)
}

function sinceOf(value: string | undefined): number {
  try {
    return parseSince(value || DEFAULT_SINCE)
  } catch (error) {
    throw isShimError(error) ? new UsageError(error.message) : error
  }
}

const GROUPING = { model: 'by model', task: 'recent Codex tasks', day: 'per day and model' } as const satisfies Record<SummaryBy, string>

export default defineCommand({
  meta: {
    name: 'usage',
    description: 'What you have used: the ChatGPT plan left (from the running proxy) and per-model requests, tokens, cache hits and cost (from ~/.codex-shim/usage.db)',
  },
  args: {
    since: { type: 'string', description: `From when: 30m, 1h, 7d, 2w, today, yesterday, or an ISO date or date-time (default ${DEFAULT_SINCE})`, valueHint: 'WHEN' },
    by: { type: 'string', description: 'Group the ledger by model (default), task or day', valueHint: 'model|task|day' },
    csv: { type: 'boolean', description: 'The ledger figures as CSV on stdout' },
    ...jsonArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      if (args.json && args.csv) throw new UsageError('--json and --csv: choose one.')
      const asked = parseBy(args.by)
      const query = { since: sinceOf(args.since), by: asked ?? 'model' }
      // Read straight from the file: works while the proxy is down.
      const byok: Summary | null = readSummary(usageDbPath(), query)
      if (args.csv) {
        console.log(summaryCsv(byok ?? emptySummary(query)))
        return 0
      }
      const plan = await readPlan()
      const hasByok = Boolean(byok?.rows.length)
      if (args.json) {
        console.log(JSON.stringify({ ...plan, byok: { ...(byok ?? emptySummary(query)), since: new Date(query.since).toISOString() } }))
        return plan.quota || hasByok ? 0 : 1
      }
      const planShown = printPlan(plan, hasByok || asked !== undefined)
      if (byok && hasByok) {
        if (planShown) console.log('')
        console.log(`Requests through the proxy since ${new Date(query.since).toLocaleString()}, ${GROUPING[query.by]}:`)
        console.log(summaryTable(byok))
      } else if (asked !== undefined) {
        const what = query.by === 'task' ? 'Codex tasks' : 'requests'
        log.info(`No ${what} recorded since ${new Date(query.since).toLocaleString()} in ${usageDbPath()}.`)
      }
      return planShown || hasByok ? 0 : 1
    }),
})
