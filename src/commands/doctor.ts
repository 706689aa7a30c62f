import { defineCommand } from 'citty'
import { runDoctor, type CheckStatus } from '../doctor/checks.ts'
import { jsonArgs, settingsArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

const MARK: Record<CheckStatus, string> = { ok: ' OK ', info: 'INFO', warn: 'WARN', fail: 'FAIL' }

export default defineCommand({
  meta: { name: 'doctor', description: 'Check the setup (read-only); exit 1 only when something is FAIL' },
  args: { ...settingsArgs, ...jsonArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const report = await runDoctor({ settingsPath: args.settings })
      if (args.json) console.log(JSON.stringify(report))
      else {
        for (const section of report.sections) {
          console.log(`\n${section.name}`)
          for (const item of section.checks) console.log(`  [${MARK[item.status]}] ${item.name}: ${item.detail}`)
        }
        console.log(report.ok ? '\nNo problems found.' : '\nSome checks FAILED; see above.')
      }
      return report.ok ? 0 : 1
    }),
})
