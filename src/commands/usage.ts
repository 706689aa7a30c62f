import { defineCommand } from 'citty'
import type { QuotaSnapshot, QuotaWindow } from '../chatgpt/quota.ts'
import { runningDaemon } from '../daemon/lifecycle.ts'
import { clientHost } from '../daemon/probe.ts'
import { log } from '../log.ts'
import { jsonArgs, verboseArgs } from './_args.ts'
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

export default defineCommand({
  meta: { name: 'usage', description: 'How much of your ChatGPT plan is left (figures from the running proxy)' },
  args: { ...jsonArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const running = await runningDaemon()
      if (!running) {
        log.error('codex-shim is not running; start it with `codex-shim start`, then use a ChatGPT model once.')
        return 1
      }
      const health = (await (await fetch(`http://${clientHost(running.info.host)}:${running.info.port}/health`)).json()) as { chatgpt_passthrough?: boolean; chatgpt_quota?: QuotaSnapshot | null }
      const quota = health.chatgpt_quota ?? null
      if (args.json) {
        console.log(JSON.stringify({ chatgpt_passthrough: Boolean(health.chatgpt_passthrough), quota }))
        return quota ? 0 : 1
      }
      if (!health.chatgpt_passthrough) {
        log.warn('No usable ChatGPT login: run `codex login` (ChatGPT sign-in).')
        return 1
      }
      if (!quota) {
        log.info('No figures yet: the ChatGPT backend reports them with each response. Send one request through a ChatGPT model, then ask again.')
        return 1
      }
      console.log(`ChatGPT plan${quota.plan_type ? ` (${quota.plan_type})` : ''}, as of ${new Date(quota.updated_at).toLocaleString()}`)
      if (quota.primary) console.log(`  primary    ${describe(quota.primary)}`)
      if (quota.secondary) console.log(`  secondary  ${describe(quota.secondary)}`)
      if (quota.credits) console.log(`  credits    ${quota.credits.unlimited ? 'unlimited' : (quota.credits.balance ?? (quota.credits.has_credits ? 'available' : 'none'))}`)
      return 0
    }),
})
