import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { codexOverrides, withLoopbackNoProxy } from '../../src/codex/launch.ts'

/**
 * Spawns the real, unmodified clients (`claude -p`, `codex exec`) against a
 * shim: the one way e2e tests start them. Always asynchronous: the fake
 * upstreams and often the shim itself live in the test's process, so a
 * synchronous spawn would deadlock them. A client that hangs is killed at
 * `timeoutMs`, with everything it started, and the run says so.
 */

const cli = join(import.meta.dir, '../../src/cli.ts')
const DEFAULT_TIMEOUT_MS = 90_000

export interface ClientRun {
  code: number
  stdout: string
  stderr: string
  /** The working directory the client ran in (files its tools wrote are here). */
  dir: string
  timedOut: boolean
}

/** A fresh working directory under the test root. */
export function clientDir(...parts: string[]): string {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, ...parts)
  mkdirSync(dir, { recursive: true })
  return dir
}

async function run(command: string[], cwd: string, env: Record<string, string | undefined>, timeoutMs: number): Promise<ClientRun> {
  // Its own process group, so a timeout kills the whole tree: `codex-shim codex` runs Codex as a child
  // that holds the same pipes, and killing the launcher alone would leave the reads waiting on Codex.
  // The daemon it starts is detached on its own and survives.
  const child = Bun.spawn(command, { cwd, env: env as Record<string, string>, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', detached: true })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    try {
      process.kill(-child.pid, 'SIGKILL')
    } catch {
      child.kill('SIGKILL') // the group is already gone
    }
  }, timeoutMs)
  try {
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
    return { code, stdout, stderr, dir: cwd, timedOut }
  } finally {
    clearTimeout(timer)
  }
}

export interface ClaudeOptions {
  /** The shim's base URL (ANTHROPIC_BASE_URL). */
  baseUrl: string
  model: string
  prompt: string
  cwd: string
  /** `--allowedTools`; `Bash` when absent. */
  allowedTools?: string
  /** Extra `claude` arguments, after the prompt and model. */
  args?: string[]
  /** Added to the client's environment (which is otherwise only PATH, HOME and the settings below). */
  env?: Record<string, string>
  timeoutMs?: number
}

/**
 * `claude -p PROMPT --model MODEL --allowedTools TOOLS`, talking Messages to
 * the shim. Telemetry, updates and other non-essential traffic are off: the
 * only host it may reach is the shim on loopback.
 */
export function runClaude(options: ClaudeOptions): Promise<ClientRun> {
  const env = {
    PATH: process.env.PATH!,
    HOME: process.env.HOME!,
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: 'sk-ant-client-side',
    DISABLE_TELEMETRY: '1',
    DISABLE_AUTOUPDATER: '1',
    DISABLE_ERROR_REPORTING: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    ...options.env,
  }
  const command = ['claude', '-p', options.prompt, '--model', options.model, '--allowedTools', options.allowedTools ?? 'Bash', ...(options.args ?? [])]
  return run(command, options.cwd, env, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
}

export interface CodexOptions {
  /**
   * Added to this process's environment. Through the daemon it must hold
   * CODEX_SHIM_HOME and CODEX_HOME (the daemon lives there); in process, CODEX_HOME.
   */
  env: Record<string, string | undefined>
  /** The shim's port: the daemon's (started if need be), or the test's own server with `catalogPath`. */
  port: number
  prompt: string
  cwd: string
  /** The model slug; through the daemon, the settings' first model when absent. */
  model?: string
  /**
   * Set when the test serves the shim itself (on `port`, with the catalog `generateFiles` wrote there):
   * plain `codex` with the `-c` overrides `codex-shim codex` would pass, and no daemon.
   */
  catalogPath?: string
  /** Codex arguments before `exec` (`-c key=value`, `-m SLUG`, …). */
  codexArgs?: string[]
  /** `codex exec` arguments before the prompt (`--json`, `-i FILE --`, …). */
  execArgs?: string[]
  timeoutMs?: number
}

/**
 * `codex-shim codex --port P [--model M] -- [codexArgs] exec … [execArgs] PROMPT`:
 * the real Codex CLI through the shim's daemon, sandbox and approvals off. With
 * `catalogPath`, `codex [overrides] [codexArgs] exec …` against the test's own shim.
 */
export function runCodexExec(options: CodexOptions): Promise<ClientRun> {
  const exec = [...(options.codexArgs ?? []), 'exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', ...(options.execArgs ?? []), options.prompt]
  const env = { ...process.env, ...options.env }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  if (options.catalogPath) {
    const overrides = codexOverrides({ port: options.port, catalogPath: options.catalogPath, model: options.model })
    return run(['codex', ...overrides, ...exec], options.cwd, withLoopbackNoProxy(env), timeoutMs)
  }
  const shim = [process.execPath, cli, 'codex', '--port', String(options.port), ...(options.model ? ['--model', options.model] : [])]
  return run([...shim, '--', ...exec], options.cwd, env, timeoutMs)
}

/** Stops the daemon `runCodexExec` started (it flushes the usage ledger on the way out). */
export async function stopDaemon(env: Record<string, string | undefined>): Promise<ClientRun> {
  return run([process.execPath, cli, 'stop'], process.cwd(), { ...process.env, ...env }, 30_000)
}
