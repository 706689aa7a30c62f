import { defineCommand } from 'citty'
import type { QuotaSnapshot, QuotaWindow } from '../chatgpt/quota.ts'
import { runningDaemon } from '../daemon/lifecycle.ts'
import { clientHost, tokenHeaders } from '../daemon/probe.ts'
import { isShimError } from '../errors.ts'
import { log } from '../log.ts'
import { DEFAULT_SINCE } from '../usage/api.ts'
import { ledgerDisabledByEnv, readSummary, usageDbPath } from '../usage/ledger.ts'
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
    const health = (await (await fetch(`http://${clientHost(running.info.host)}:${running.info.port}/health`, { headers: tokenHeaders() })).json()) as { chatgpt_passthrough?: boolean; chatgpt_quota?: QuotaSnapshot | null }
    return { proxy_running: true, chatgpt_passthrough: Boolean(health.chatgpt_passthrough), quota: health.chatgpt_quota ?? null }
  } catch {
    return { proxy_running: true, chatgpt_passthrough: false, quota: null }
  }
}

/**
 * Prints the plan's figures; false when there were none. Without them it is secondary to the
 * ledger: one line saying why (none without a ChatGPT login, which not every user wants).
 */
function printPlan(plan: PlanView): boolean {
  if (!plan.proxy_running) {
    log.info('ChatGPT plan: codex-shim is not running (its figures live in the running proxy).')
    return false
  }
  if (!plan.chatgpt_passthrough) return false
  const quota = plan.quota
  if (!quota) {
    log.info('ChatGPT plan: No figures yet: the ChatGPT backend reports them with each response. Send one request through a ChatGPT model, then ask again.')
    return false
  }
  console.log(`ChatGPT plan${quota.plan_type ? ` (${quota.plan_type})` : ''}, as of ${new Date(quota.updated_at).toLocaleString()}`)
  if (quota.primary) console.log(`  primary    ${describe(quota.primary)}`)
  if (quota.secondary) console.log(`  secondary  ${describe(quota.secondary)}`)
  if (quota.credits) console.log(`  credits    ${quota.credits.unlimited ? 'unlimited' : (quota.credits.balance ?? (quota.credits.has_credits ? 'available' : 'none'))}`)
  return true
}

/** An empty ledger, said plainly: where it is and how rows get there. */
function nothingRecorded(query: { since: number; by: SummaryBy }, path: string): string {
  const what = query.by === 'task' ? 'no Codex tasks' : 'no requests'
  const off = ledgerDisabledByEnv() ? ' CODEX_SHIM_USAGE=0 is set here: a proxy started with it records nothing.' : ''
  return `Nothing recorded yet: ${what} since ${new Date(query.since).toLocaleString()} in ${path}. Requests through the proxy are recorded there as they finish.${off}`
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
      // Nothing recorded is not a failure (a new user who has sent no request yet): exit 0, like the text.
      if (args.json) {
        console.log(JSON.stringify({ ...plan, byok: { ...(byok ?? emptySummary(query)), since: new Date(query.since).toISOString() } }))
        return 0
      }
      if (byok && hasByok) {
        if (printPlan(plan)) console.log('')
        console.log(`Requests through the proxy since ${new Date(query.since).toLocaleString()}, ${GROUPING[query.by]}:`)
        console.log(summaryTable(byok))
        return 0
      }
      // An empty ledger leads; the plan's line follows it, unless the plan has figures to show.
      if (plan.proxy_running && plan.chatgpt_passthrough && plan.quota) {
        printPlan(plan)
        console.log('')
        log.info(nothingRecorded(query, usageDbPath()))
      } else {
        log.info(nothingRecorded(query, usageDbPath()))
        printPlan(plan)
      }
      return 0
    }),
})
