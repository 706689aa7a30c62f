import { existsSync } from 'node:fs'
import { envFlag } from '../env-flag.ts'
import { runCursorCommand } from './_probe.ts'

const cache = new Map<string, Promise<string | null>>()

/** Grok Build also installs an `agent` binary (spec integrations §1.1): trust only a help text that names Cursor. */
export function isCursorAgentHelp(text: string): boolean {
  return /\bcursor\b/i.test(text)
}

/**
 * Asks the binary's `--help` as a child process that is awaited: the running
 * proxy looks for cursor-agent on a request (the model list, a Cursor model's
 * route) and goes on serving the others meanwhile.
 */
async function identifiesAsCursor(bin: string, env: Record<string, string | undefined>): Promise<boolean> {
  return isCursorAgentHelp((await runCursorCommand(bin, ['--help'], { timeoutMs: 5000, env })).output)
}

/** `CODEX_SHIM_DISABLE_CURSOR=1` (or true/yes/on) turns the Cursor subscription off, like its ChatGPT twin. */
export function cursorDisabled(env: Record<string, string | undefined> = process.env): boolean {
  return envFlag(env.CODEX_SHIM_DISABLE_CURSOR)
}

/**
 * The cursor-agent binary: `$CURSOR_AGENT_BIN`, else `cursor-agent` on PATH,
 * else `agent` when its `--help` says it is Cursor's. Null when there is none
 * or the feature is off (`cursorDisabled`). Cached per environment (the `--help`
 * probe spawns a process); callers at the same time share one probe.
 */
export function findCursorAgent(env: Record<string, string | undefined> = process.env): Promise<string | null> {
  if (cursorDisabled(env)) return Promise.resolve(null)
  const configured = env.CURSOR_AGENT_BIN
  if (configured) return Promise.resolve(existsSync(configured) ? configured : null)
  const key = env.PATH ?? ''
  let found = cache.get(key)
  if (!found) {
    const onPath = Bun.which('cursor-agent', { PATH: key })
    found = onPath ? Promise.resolve(onPath) : candidateAgent(env)
    cache.set(key, found)
  }
  return found
}

async function candidateAgent(env: Record<string, string | undefined>): Promise<string | null> {
  const agent = Bun.which('agent', { PATH: env.PATH ?? '' })
  return agent && (await identifiesAsCursor(agent, env)) ? agent : null
}

/** Forget cached lookups (tests; `doctor` after an install). */
export function clearCursorAgentCache(): void {
  cache.clear()
}
