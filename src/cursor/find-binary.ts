import { existsSync } from 'node:fs'
import { envFlag } from '../env-flag.ts'

const cache = new Map<string, string | null>()

/** Grok Build also installs an `agent` binary (spec integrations §1.1): trust only a help text that names Cursor. */
export function isCursorAgentHelp(text: string): boolean {
  return /\bcursor\b/i.test(text)
}

function identifiesAsCursor(bin: string, env: Record<string, string | undefined>): boolean {
  try {
    const result = Bun.spawnSync([bin, '--help'], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', timeout: 5000, env: { ...env, NO_COLOR: '1' } })
    return isCursorAgentHelp(`${result.stdout.toString()}\n${result.stderr.toString()}`)
  } catch {
    return false
  }
}

/** `CODEX_SHIM_DISABLE_CURSOR=1` (or true/yes/on) turns the Cursor subscription off, like its ChatGPT twin. */
export function cursorDisabled(env: Record<string, string | undefined> = process.env): boolean {
  return envFlag(env.CODEX_SHIM_DISABLE_CURSOR)
}

/**
 * The cursor-agent binary: `$CURSOR_AGENT_BIN`, else `cursor-agent` on PATH,
 * else `agent` when its `--help` says it is Cursor's. Null when there is none
 * or the feature is off (`cursorDisabled`). Cached per environment (the `--help`
 * probe spawns a process).
 */
export function findCursorAgent(env: Record<string, string | undefined> = process.env): string | null {
  if (cursorDisabled(env)) return null
  const configured = env.CURSOR_AGENT_BIN
  if (configured) return existsSync(configured) ? configured : null
  const key = env.PATH ?? ''
  if (cache.has(key)) return cache.get(key)!
  const found = Bun.which('cursor-agent', { PATH: key }) ?? candidateAgent(env)
  cache.set(key, found)
  return found
}

function candidateAgent(env: Record<string, string | undefined>): string | null {
  const agent = Bun.which('agent', { PATH: env.PATH ?? '' })
  return agent && identifiesAsCursor(agent, env) ? agent : null
}

/** Forget cached lookups (tests; `doctor` after an install). */
export function clearCursorAgentCache(): void {
  cache.clear()
}
