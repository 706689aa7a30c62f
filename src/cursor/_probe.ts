import { runShortCommand } from '../short-command.ts'
import { cursorChildEnv } from './child-env.ts'

export interface ProbeResult {
  /** stdout and stderr together: cursor-agent prints status lines to either. */
  output: string
  exitCode: number | null
  timedOut: boolean
}

/**
 * A short cursor-agent subcommand (`status`, `models`, `--help`) with a time
 * limit; never throws, and returns even when cursor-agent leaves a process
 * holding its pipes (short-command.ts).
 */
export async function runCursorCommand(bin: string, args: string[], options: { timeoutMs: number; env?: Record<string, string | undefined>; allowApiKey?: boolean }): Promise<ProbeResult> {
  const result = await runShortCommand([bin, ...args], { timeoutMs: options.timeoutMs, env: cursorChildEnv(options.env, { allowApiKey: options.allowApiKey }) })
  return { output: `${result.stdout}\n${result.stderr}`.trim(), exitCode: result.exitCode, timedOut: result.timedOut }
}
