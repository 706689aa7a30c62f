import { defineCommand } from 'citty'
import { proxyArgs } from './_args.ts'
import { runDaemon } from './_foreground.ts'

/** What the background daemon runs: the same binary, re-invoked by `start`. */
export default defineCommand({
  meta: { name: '_serve', description: 'Run the proxy (used by start)', hidden: true },
  args: proxyArgs,
  run: ({ args }) => runDaemon(args),
})
