import { defineCommand } from 'citty'
import { patchApp } from '../desktop/patch.ts'
import { patchReportLines } from '../desktop/report.ts'
import { log } from '../log.ts'
import { verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export const desktopAppArgs = {
  app: { type: 'string', description: 'The Codex.app bundle (default /Applications/Codex.app, then ~/Applications/Codex.app)', valueHint: 'PATH' },
  sign: { type: 'boolean', default: true, description: 'Re-sign the bundle ad hoc afterwards (macOS)', negativeDescription: 'Do not re-sign (other systems, inspection; macOS will not launch the app unsigned)' },
} as const

export default defineCommand({
  meta: {
    name: 'patch-app',
    description: 'Patch Codex Desktop (macOS) so its model picker shows every catalog model and the sidebar lists every provider\'s threads; backs up first',
  },
  args: {
    ...desktopAppArgs,
    'dry-run': { type: 'boolean', description: 'Show the files, matched code, new hashes and signing plan; write nothing' },
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, () => {
      const report = patchApp({ app: args.app, dryRun: args['dry-run'], noSign: args.sign === false })
      const lines = patchReportLines(report)
      if (report.status === 'patched') log.success(lines.shift())
      for (const line of lines) console.log(line)
    }),
})
