import { mkdirSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Spawns the real, unmodified clients (`claude -p`, `codex exec`) against a
 * shim. Always asynchronous: the fake upstreams and often the shim itself
 * live in the test's process, so a synchronous spawn would deadlock them.
 * A client that hangs is killed at `timeoutMs`, and the run says so.
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
  const child = Bun.spawn(command, { cwd, env: env as Record<string, string>, stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    child.kill('SIGKILL')
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
  /** Extra `claude` arguments, after the prompt and model. */
  args?: string[]
  env?: Record<string, string>
  timeoutMs?: number
}

/**
 * `claude -p PROMPT --model MODEL` with only Bash allowed, talking Messages to
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
  const command = ['claude', '-p', options.prompt, '--model', options.model, '--allowedTools', 'Bash', ...(options.args ?? [])]
  return run(command, options.cwd, env, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
}

export interface CodexOptions {
  /** Must hold CODEX_SHIM_HOME and CODEX_HOME; the daemon `codex-shim codex` starts lives there. */
  env: Record<string, string | undefined>
  port: number
  prompt: string
  cwd: string
  /** `codex-shim codex --model SLUG`; the settings' first model when absent. */
  model?: string
  /** Codex arguments before `exec` (`-c key=value`, …). */
  codexArgs?: string[]
  timeoutMs?: number
}

/** `codex-shim codex --port P -- exec …`: the real Codex CLI through the shim's daemon, sandbox and approvals off. */
export function runCodexExec(options: CodexOptions): Promise<ClientRun> {
  const shim = ['bun', cli, 'codex', '--port', String(options.port), ...(options.model ? ['--model', options.model] : [])]
  const codex = [...(options.codexArgs ?? []), 'exec', '--skip-git-repo-check', '--dangerously-bypass-approvals-and-sandbox', options.prompt]
  return run([...shim, '--', ...codex], options.cwd, { ...process.env, ...options.env }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS)
}

/** Stops the daemon `runCodexExec` started (it flushes the usage ledger on the way out). */
export async function stopDaemon(env: Record<string, string | undefined>): Promise<ClientRun> {
  return run(['bun', cli, 'stop'], process.cwd(), { ...process.env, ...env }, 30_000)
}
