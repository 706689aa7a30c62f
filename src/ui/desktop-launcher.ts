import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { ShimError } from '../errors.ts'

/** Runs a command; `wait: false` starts it detached and resolves once it has started. */
export type CommandRunner = (argv: string[], options?: { wait?: boolean }) => Promise<{ code: number }>

export interface LauncherOptions {
  platform?: NodeJS.Platform
  run?: CommandRunner
  env?: Record<string, string | undefined>
  exists?: (path: string) => boolean
  sleep?: (ms: number) => Promise<void>
}

export const defaultRunner: CommandRunner = async (argv, options = {}) => {
  // Windows: Desktop, outliving this process, would otherwise keep its standard handles (the daemon's
  // log file) open (src/std-handles.ts).
  if (options.wait === false && process.platform === 'win32') await (await import('../std-handles.ts')).keepStdHandlesFromChildren()
  const child = Bun.spawn(argv, { stdio: ['ignore', 'ignore', 'ignore'], detached: options.wait === false })
  if (options.wait === false) {
    child.unref()
    return { code: 0 }
  }
  return { code: await child.exited }
}

/** Where the Windows installer puts Desktop (spec integrations §7.1); the Store build is found through the shell. */
export function windowsDesktopExe(env: Record<string, string | undefined>, exists: (path: string) => boolean): string | null {
  const local = env.LOCALAPPDATA
  if (!local) return null
  const exe = join(local, 'Programs', 'Codex', 'Codex.exe')
  return exists(exe) ? exe : null
}

/** Codex Desktop exists for macOS and Windows only; elsewhere there is only the CLI. */
export function hasCodexDesktop(platform: NodeJS.Platform = process.platform): boolean {
  return platform === 'darwin' || platform === 'win32'
}

/**
 * Quits and reopens Codex Desktop so it reads the new config.toml (it reads
 * it at launch only, spec §7.2). Returns a sentence for the page; throws a
 * ShimError when the app could not be started again.
 */
export async function restartCodexDesktop(options: LauncherOptions = {}): Promise<string> {
  const platform = options.platform ?? process.platform
  const run = options.run ?? defaultRunner
  const sleep = options.sleep ?? ((ms: number) => Bun.sleep(ms))
  switch (platform) {
    case 'darwin': {
      // Quitting an app that is not running is not an error for `quit app`.
      await run(['osascript', '-e', 'quit app "Codex"'])
      await sleep(1000)
      const opened = await run(['open', '-a', 'Codex'])
      if (opened.code !== 0) throw new ShimError('config', 'Could not open Codex Desktop (`open -a Codex` failed). Is it installed in /Applications? Start it by hand.')
      return 'Restarted Codex Desktop with the new model.'
    }
    case 'win32': {
      // taskkill exits non-zero when Desktop was not running; that is fine.
      await run(['taskkill', '/IM', 'Codex.exe', '/F'])
      await sleep(1500)
      const exe = windowsDesktopExe(options.env ?? process.env, options.exists ?? existsSync)
      const started = await run(exe ? [exe] : ['cmd', '/c', 'start', '""', 'Codex.exe'], { wait: false })
      if (started.code !== 0) throw new ShimError('config', 'Could not start Codex Desktop again. Start it from the Start menu.')
      return 'Restarted Codex Desktop with the new model.'
    }
    default:
      return 'Codex Desktop does not run on this system (macOS and Windows only); the Codex CLI picks up the new model on its next start.'
  }
}
