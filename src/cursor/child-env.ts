import { envFlag } from '../env-flag.ts'

/**
 * The environment cursor-agent runs with. `CURSOR_API_KEY` is removed unless
 * the user opts in: a stale Dashboard key would otherwise override the
 * `cursor-agent login` subscription (the original does the same, spec
 * integrations §1.3).
 */
export function cursorChildEnv(env: Record<string, string | undefined> = process.env, options: { allowApiKey?: boolean } = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value
  if (!options.allowApiKey) delete out.CURSOR_API_KEY
  // Plain text from `status` and `models`; the parsers strip ANSI anyway.
  out.NO_COLOR = '1'
  return out
}

/** `CODEX_SHIM_CURSOR_USE_API_KEY=1` (or true/yes/on) lets an exported CURSOR_API_KEY through to cursor-agent. */
export function allowsCursorApiKey(env: Record<string, string | undefined> = process.env): boolean {
  return envFlag(env.CODEX_SHIM_CURSOR_USE_API_KEY)
}
