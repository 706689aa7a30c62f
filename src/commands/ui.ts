import { defineCommand } from 'citty'
import { runningDaemon, startDaemon, type ServeOptions } from '../daemon/lifecycle.ts'
import type { DaemonInfo } from '../daemon/pid-file.ts'
import { clientHost } from '../daemon/probe.ts'
import { log } from '../log.ts'
import { defaultRunner, type CommandRunner } from '../ui/desktop-launcher.ts'
import { hostArgs, parseHost, parsePort, portArgs, settingsArgs, verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

/** The page's address for a daemon; always a loopback name when it listens on all interfaces. */
export function pageUrl(info: Pick<DaemonInfo, 'host' | 'port'>): string {
  return `http://${clientHost(info.host)}:${info.port}/`
}

/** The platform's "open this URL" command. `start` needs an empty title argument before the URL. */
export function openerCommand(url: string, platform: NodeJS.Platform = process.platform): string[] {
  switch (platform) {
    case 'darwin':
      return ['open', url]
    case 'win32':
      return ['cmd', '/c', 'start', '""', url]
    default:
      return ['xdg-open', url]
  }
}

/** Opens the URL in the default browser; false when no opener ran (no desktop, no xdg-open). */
export async function openInBrowser(url: string, options: { platform?: NodeJS.Platform; run?: CommandRunner } = {}): Promise<boolean> {
  const run = options.run ?? defaultRunner
  try {
    return (await run(openerCommand(url, options.platform))).code === 0
  } catch {
    return false // the opener is not installed
  }
}

export interface UiDepsForCommand {
  running: () => Promise<{ info: DaemonInfo } | null>
  start: (options: ServeOptions) => Promise<{ state: string; info: DaemonInfo }>
  open: (url: string) => Promise<boolean>
}

/** Finds (or starts) the daemon, then opens its page; returns the address. */
export async function openControlPage(options: ServeOptions & { print?: boolean }, deps: UiDepsForCommand): Promise<string> {
  const running = await deps.running()
  let info = running?.info
  if (!info) {
    info = (await deps.start(options)).info
    log.success(`codex-shim ${info.version} started (pid ${info.pid})`)
  }
  const url = pageUrl(info)
  if (options.print) {
    console.log(url)
    return url
  }
  if (await deps.open(url)) log.success(`Opened the control page: ${url}`)
  else log.info(`Open the control page in your browser: ${url}`)
  return url
}

export default defineCommand({
  meta: { name: 'ui', description: 'Open the control page (switch models, plan quota, recent requests), starting the proxy if needed' },
  args: {
    print: { type: 'boolean', description: 'Print the page address instead of opening a browser (the proxy still starts if it is not running)' },
    ...portArgs,
    ...hostArgs,
    ...settingsArgs,
    ...verboseArgs,
  },
  run: ({ args }) =>
    // With --print, stdout is the address alone (`open "$(codex-shim ui --print)"`): log lines go to stderr.
    runGuarded({ ...args, json: args.print }, async () => {
      await openControlPage(
        { host: parseHost(args.host), port: parsePort(args.port), settingsPath: args.settings, print: args.print },
        { running: runningDaemon, start: startDaemon, open: (url) => openInBrowser(url) },
      )
    }),
})
