import type { Subprocess } from 'bun'
import { orderedModels } from '../codex/catalog.ts'
import { defineCommand } from 'citty'
import { generateFiles } from '../codex/generate.ts'
import { codexCli } from '../codex/find-codex.ts'
import { argsChooseModel, codexOverrides, withLoopbackNoProxy, withNoDaemon } from '../codex/launch.ts'
import { startDaemon } from '../daemon/lifecycle.ts'
import { modelListFor } from '../routing/model-list.ts'
import { loadSettings } from '../settings/load.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, UsageError, verboseArgs } from './_args.ts'
import { requireCodex, warnIfRunningDiffers } from './_context.ts'
import { runGuarded } from './_run.ts'

/** Everything after the first `--` belongs to codex. */
export function splitPassthrough(rawArgs: string[]): { own: string[]; rest: string[] } {
  const index = rawArgs.indexOf('--')
  return index === -1 ? { own: rawArgs, rest: [] } : { own: rawArgs.slice(0, index), rest: rawArgs.slice(index + 1) }
}

/**
 * Waits for Codex and returns its exit code. Ctrl-C reaches Codex from the terminal itself (one
 * process group), so codex-shim only outlives it to pass its code on; SIGTERM and SIGHUP, sent
 * to codex-shim alone (a supervisor, a closed SSH session), are passed to Codex, which would
 * otherwise run on, orphaned, still working in the project.
 */
export async function waitPassingSignals(child: Subprocess): Promise<number> {
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', () => {}],
    ['SIGTERM', () => child.kill('SIGTERM')],
    ['SIGHUP', () => child.kill('SIGHUP')],
  ]
  for (const [signal, handler] of handlers) process.on(signal, handler)
  try {
    return await child.exited
  } finally {
    for (const [signal, handler] of handlers) process.off(signal, handler)
  }
}

export default defineCommand({
  meta: { name: 'codex', description: 'Run the Codex CLI through codex-shim without touching its config: codex-shim codex -- exec "task"' },
  args: {
    model: { type: 'string', alias: 'm', description: "Model slug (default: the first configured; with none, Codex's own default from your ChatGPT plan's catalog)", valueHint: 'SLUG' },
    ...settingsArgs,
    ...portArgs,
    ...hostArgs,
    ...verboseArgs,
  },
  run: ({ args, rawArgs }) =>
    runGuarded(args, async () => {
      const { rest } = splitPassthrough(rawArgs)
      const settings = loadSettings(args.settings)
      const bin = requireCodex()
      // Codex's own `-m x`, `--model=x` or `-c model=…` would silently win over ours.
      if (args.model && argsChooseModel(rest)) throw new UsageError('Choose the model once: either codex-shim --model or codex --model.')
      // A name no model answers to is bad usage here, as for enable and model use: said before the
      // daemon starts and Codex opens, rather than as an upstream error inside Codex.
      if (args.model) await modelListFor(settings).require(args.model)
      const port = parsePort(args.port)
      const started = await startDaemon({ host: parseHost(args.host), port, settingsPath: args.settings })
      warnIfRunningDiffers(started, { port: args.port === undefined ? undefined : port, settings: args.settings })
      const { info } = started
      const generated = await generateFiles(settings, { port: info.port, host: info.host })
      // With no models configured (ChatGPT plan only), Codex's own default from the catalog applies.
      const model = argsChooseModel(rest) ? undefined : args.model ? args.model : orderedModels(settings)[0]?.slug
      const overrides = codexOverrides({ port: info.port, host: info.host, catalogPath: generated.catalogPath, model, withToken: Boolean(process.env.CODEX_SHIM_TOKEN) })
      const child = Bun.spawn([bin, ...overrides, ...withNoDaemon(rest, codexCli(bin))], {
        stdio: ['inherit', 'inherit', 'inherit'],
        env: withLoopbackNoProxy(process.env),
      })
      return await waitPassingSignals(child)
    }),
})
