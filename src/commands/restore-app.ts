import { defineCommand } from 'citty'
import { restoreApp } from '../desktop/restore.ts'
import { restoreReportLines } from '../desktop/report.ts'
import { log } from '../log.ts'
import { verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'
import { desktopAppArgs } from './patch-app.ts'

export default defineCommand({
  meta: {
    name: 'restore-app',
    description: 'Undo patch-app: put back the backup of the installed Codex Desktop version (never another version\'s), then re-sign',
  },
  args: { ...desktopAppArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, () => {
      const report = restoreApp({ app: args.app, noSign: args.sign === false })
      const [first, ...rest] = restoreReportLines(report)
      if (report.status === 'restored') log.success(first)
      else log.info(first)
      for (const line of rest) console.log(line)
    }),
})
