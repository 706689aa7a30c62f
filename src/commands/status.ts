import { defineCommand } from 'citty'
import { damagedPidFileMessage, runningDaemon } from '../daemon/lifecycle.ts'
import { pidFileDamaged } from '../daemon/pid-file.ts'
import { log } from '../log.ts'
import { displayUrl } from '../ui/page-address.ts'
import { jsonArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export function formatUptime(seconds: number): string {
  const h = Math.floor(seconds / 3600)
  const m = Math.floor((seconds % 3600) / 60)
  const s = seconds % 60
  return h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`
}

export default defineCommand({
  meta: { name: 'status', description: 'Is the proxy running? (exit 1 when not)' },
  args: { ...jsonArgs, ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const running = await runningDaemon()
      if (args.json) {
        // A damaged pid file may hide a running daemon (it writes the file again soon): said here too, not a bare "not running".
        console.log(JSON.stringify(running ? { running: true, ...running.info, health: running.health } : { running: false, ...((await pidFileDamaged()) && { pid_file_damaged: true }) }))
        return running ? 0 : 1
      }
      if (!running) {
        if (await pidFileDamaged()) log.warn(damagedPidFileMessage())
        else log.info('codex-shim is not running. Start it with `codex-shim start`.')
        return 1
      }
      const { info, health } = running
      log.success(`codex-shim ${health.version} is running`)
      console.log(`  url      ${displayUrl(info.host, info.port)}`)
      console.log(`  pid      ${info.pid}`)
      // What to paste into Cursor; only `status --json` told it, and a restart changes it.
      if (info.public_url) console.log(`  tunnel   ${info.public_url} (${info.tunnel ?? 'tunnel'})`)
      // A proxy that requires a token tells a caller without it only that it is up.
      if (health.models === undefined) console.log('  (it requires a token: set CODEX_SHIM_TOKEN to see its uptime and models)')
      else {
        console.log(`  uptime   ${formatUptime(health.uptime_s ?? 0)}`)
        console.log(`  models   ${health.models}`)
      }
      console.log(`  settings ${info.settings ?? '(none)'}`)
      return 0
    }),
})
