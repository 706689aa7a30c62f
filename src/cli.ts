#!/usr/bin/env bun
import { applyColorChoice, argsForInvocation, proxyInvocation, tidyUsage } from './commands/_args.ts'
import { isTerminal, useConsolaReporter } from './log.ts'
import { VERSION } from './version.ts'

// Installed as `codex-model` or `codex-app` (install-shortcuts), the binary runs that command.
const rawArgs = argsForInvocation(process.argv0, process.argv.slice(2))

/** The proxy's own process: `start --foreground`, or the daemon's `_serve`. */
const runsProxy = (args: string[]) => args[0] === '_serve' || (args[0] === 'start' && args.includes('--foreground'))

// Colour is decided before citty and consola's reporter load: each fixes its choice on import.
// `isTerminal` rather than process.stdout.isTTY: building process.stdout costs the proxy's start.
const restoreEnvironment = applyColorChoice(process.env, isTerminal(1))
const proxy = proxyInvocation(rawArgs)
if (proxy) {
  // The proxy's own process, spelled plainly (what `start` spawns): no citty, no command table.
  await useConsolaReporter({ onlyForTerminal: true })
  restoreEnvironment()
  const { runProxy } = await import('./commands/_foreground.ts')
  await runProxy(proxy)
} else await runCommand()

/** Every other command line, through citty: parsing, help, unknown-argument errors. */
async function runCommand(): Promise<void> {
  const { defineCommand, renderUsage, runMain } = await import('citty')
  const { rejectUnknownArguments } = await import('./commands/_run.ts')
  // Commands talk to people through consola's reporter; the proxy logs plain lines unless a terminal watches.
  await useConsolaReporter({ onlyForTerminal: runsProxy(rawArgs) })
  restoreEnvironment()

  const main = defineCommand({
    meta: {
      name: 'codex-shim',
      version: VERSION,
      description: 'Use Codex, Cursor and Claude Code with the models you already pay for: a local streaming proxy on 127.0.0.1:8765.',
    },
    subCommands: {
      start: () => import('./commands/start.ts').then((m) => m.default),
      stop: () => import('./commands/stop.ts').then((m) => m.default),
      restart: () => import('./commands/restart.ts').then((m) => m.default),
      status: () => import('./commands/status.ts').then((m) => m.default),
      list: () => import('./commands/list.ts').then((m) => m.default),
      generate: () => import('./commands/generate.ts').then((m) => m.default),
      enable: () => import('./commands/enable.ts').then((m) => m.default),
      disable: () => import('./commands/disable.ts').then((m) => m.default),
      model: () => import('./commands/model/index.ts').then((m) => m.default),
      codex: () => import('./commands/codex.ts').then((m) => m.default),
      app: () => import('./commands/app.ts').then((m) => m.default),
      usage: () => import('./commands/usage.ts').then((m) => m.default),
      doctor: () => import('./commands/doctor.ts').then((m) => m.default),
      ui: () => import('./commands/ui.ts').then((m) => m.default),
      'opencode-go': () => import('./commands/opencode-go/index.ts').then((m) => m.default),
      discover: () => import('./commands/discover.ts').then((m) => m.default),
      'patch-app': () => import('./commands/patch-app.ts').then((m) => m.default),
      'restore-app': () => import('./commands/restore-app.ts').then((m) => m.default),
      service: () => import('./commands/service/index.ts').then((m) => m.default),
      router: () => import('./commands/router/index.ts').then((m) => m.default),
      'install-shortcuts': () => import('./commands/install-shortcuts.ts').then((m) => m.default),
      _serve: () => import('./commands/_serve.ts').then((m) => m.default),
    },
  })

  await rejectUnknownArguments(main, rawArgs, 'codex-shim')
  if (!rawArgs.length) {
    // No command is bad usage too (exit 2), answered with the list of commands rather than one line.
    console.log(tidyUsage(await renderUsage(main)))
    process.exit(2)
  }
  await runMain(main, { rawArgs, showUsage: async (cmd, parent) => console.log(tidyUsage(await renderUsage(cmd, parent))) })
}
