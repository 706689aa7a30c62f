import { serveForeground } from '../daemon/foreground.ts'
import { parseHost, parsePort, type ForegroundArgs, type ProxyInvocation } from './_args.ts'
import { runGuarded } from './_run.ts'

/** This same command in a child process started with the upstream request cap; signals go to it, its exit code is ours. */
async function withUpstreamCap(): Promise<number> {
  const [{ selfCommand }, { upstreamRequestEnv }] = await Promise.all([import('../daemon/lifecycle.ts'), import('../upstream/max-requests.ts')])
  const child = Bun.spawn([...selfCommand(), ...process.argv.slice(2)], { env: { ...process.env, ...upstreamRequestEnv() }, stdio: ['inherit', 'inherit', 'inherit'] })
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => child.kill(signal))
  return await child.exited
}

/** What to paste into Cursor (Settings → Models → OpenAI API key / base URL override). */
export async function printSetupCard(publicUrl: string | undefined, port: number, settingsPath: string | undefined): Promise<void> {
  if (!publicUrl) return
  // Only with --tunnel: the model list and its providers stay off the start-up path otherwise.
  const [{ ModelList }, { loadSettings }, { ensureToken }] = await Promise.all([import('../routing/model-list.ts'), import('../settings/load.ts'), import('../tunnel/token.ts')])
  const models = new ModelList(loadSettings(settingsPath), { chatgpt: null }).configured().map((entry) => entry.id)
  console.log(['', '  Cursor setup', `  Base URL  ${publicUrl}/v1`, `  API key   ${(await ensureToken()).token}`, `  Models    ${models.join(', ') || '(none configured)'}`, `  Local     http://127.0.0.1:${port}/v1`, ''].join('\n'))
}

/** `--tunnel`, with the tool `--tunnel-tool` names (else whichever is installed). */
export const tunnelOf = (args: ForegroundArgs) => (args.tunnel ? (args['tunnel-tool'] ?? true) : undefined)

/** `start --foreground`: the proxy attached to this terminal. */
export async function runForeground(args: ForegroundArgs): Promise<void> {
  await runGuarded(args, async () => {
    // Bun reads its cap on concurrent upstream requests only when a process starts: a foreground
    // proxy started without it (`npm start`, a terminal) runs itself once more with it raised.
    if (!process.env.BUN_CONFIG_MAX_HTTP_REQUESTS) return await withUpstreamCap()
    const tunnel = tunnelOf(args)
    const { port, publicUrl } = await serveForeground({ host: parseHost(args.host), port: parsePort(args.port), settingsPath: args.settings, tunnel })
    if (tunnel) await printSetupCard(publicUrl, port, args.settings)
  })
}

/** `_serve`: what the background daemon runs (the same binary, re-invoked by `start`). */
export async function runDaemon(args: ForegroundArgs): Promise<void> {
  await runGuarded(args, async () => {
    await serveForeground({ host: parseHost(args.host), port: parsePort(args.port), settingsPath: args.settings, tunnel: tunnelOf(args), daemon: true })
  })
}

export function runProxy({ command, args }: ProxyInvocation): Promise<void> {
  return command === '_serve' ? runDaemon(args) : runForeground(args)
}
