import { cursorChildEnv } from './child-env.ts'

export interface ProbeResult {
  /** stdout and stderr together: cursor-agent prints status lines to either. */
  output: string
  exitCode: number | null
  timedOut: boolean
}

/** A short cursor-agent subcommand (`status`, `models`, `--help`) with a time limit; never throws. */
export async function runCursorCommand(bin: string, args: string[], options: { timeoutMs: number; env?: Record<string, string | undefined>; allowApiKey?: boolean }): Promise<ProbeResult> {
  let child: ReturnType<typeof Bun.spawn>
  try {
    child = Bun.spawn([bin, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: cursorChildEnv(options.env, { allowApiKey: options.allowApiKey }) })
  } catch {
    return { output: '', exitCode: null, timedOut: false }
  }
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
  }, options.timeoutMs)
  try {
    const [stdout, stderr, exitCode] = await Promise.all([new Response(child.stdout as ReadableStream).text(), new Response(child.stderr as ReadableStream).text(), child.exited])
    return { output: `${stdout}\n${stderr}`.trim(), exitCode: timedOut ? null : exitCode, timedOut }
  } finally {
    clearTimeout(timer)
  }
}
