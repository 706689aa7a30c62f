import { defineCommand } from 'citty'
import { serveForeground, startDaemon } from '../daemon/lifecycle.ts'
import { log } from '../log.ts'
import { shimPaths } from '../paths.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'
import { pageAddress } from '../ui/page-address.ts'

/** This same command in a child process started with the upstream request cap; signals go to it, its exit code is ours. */
async function withUpstreamCap(): Promise<number> {
  const [{ selfCommand }, { upstreamRequestEnv }] = await Promise.all([import('../daemon/lifecycle.ts'), import('../upstream/max-requests.ts')])
  const child = Bun.spawn([...selfCommand(), ...process.argv.slice(2)], { env: { ...process.env, ...upstreamRequestEnv() }, stdio: ['inherit', 'inherit', 'inherit'] })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal))
  return await child.exited
}

/** What to paste into Cursor (Settings → Models → OpenAI API key / base URL override). */
async function printSetupCard(publicUrl: string | undefined, port: number, settingsPath: string | undefined): Promise<void> {
  if (!publicUrl) return
  // Only with --tunnel: the model list and its providers stay off the start-up path otherwise.
  const [{ ModelList }, { loadSettings }, { ensureToken }] = await Promise.all([import('../routing/model-list.ts'), import('../settings/load.ts'), import('../tunnel/token.ts')])
  const models = new ModelList(loadSettings(settingsPath), { chatgpt: null }).configured().map((entry) => entry.id)
  console.log(['', '  Cursor setup', `  Base URL  ${publicUrl}/v1`, `  API key   ${ensureToken().token}`, `  Models    ${models.join(', ') || '(none configured)'}`, `  Local     http://127.0.0.1:${port}/v1`, ''].join('\n'))
}

export default defineCommand({
  meta: { name: 'start', description: 'Start the proxy in the background (or attached with --foreground)' },
  args: {
    ...portArgs,
    ...hostArgs,
    ...settingsArgs,
    foreground: { type: 'boolean', description: 'Run attached to this terminal; Ctrl-C stops it' },
    tunnel: { type: 'boolean', description: 'Expose a public HTTPS URL (cloudflared or ngrok) for Cursor; requires a token' },
    'tunnel-tool': { type: 'string', description: 'With --tunnel: cloudflared or ngrok (default: whichever is installed)', valueHint: 'TOOL' },
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, async () => {
      const tunnel = args.tunnel ? (args['tunnel-tool'] ?? true) : undefined
      const options = { host: parseHost(args.host), port: parsePort(args.port), settingsPath: args.settings, tunnel }
      if (args.foreground) {
        // Bun reads its cap on concurrent upstream requests only when a process starts: a foreground
        // proxy started without it (`npm start`, a terminal) runs itself once more with it raised.
        if (!process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) return await withUpstreamCap()
        const { port, publicUrl } = await serveForeground(options)
        if (tunnel) await printSetupCard(publicUrl, port, args.settings)
        return
      }
      const { state, info } = await startDaemon(options)
      if (state === 'already-running') {
        log.info(`codex-shim is already running (pid ${info.pid}) on http://${info.host}:${info.port}${info.public_url ? `, tunnel ${info.public_url}` : ''}`)
        if (tunnel && !info.public_url) log.warn('It was started without --tunnel; run `codex-shim restart --tunnel` to add one.')
        return
      }
      log.success(`codex-shim ${info.version} started (pid ${info.pid}) on http://${info.host}:${info.port}`)
      log.info(`Control page: ${pageAddress(info.host, info.port)} (or run \`codex-shim ui\`)`)
      log.info(`Log: ${shimPaths.logFile()}`)
      if (tunnel) await printSetupCard(info.public_url, info.port, args.settings)
    }),
})
