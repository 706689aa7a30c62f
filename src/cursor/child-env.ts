import { envFlag } from '../env-flag.ts'

/**
 * Secrets of the proxy itself that cursor-agent never needs. It runs shell commands the model
 * chooses without asking (`--force`), so whatever is in its environment is one `env` away from
 * the remote model: the proxy's own bearer token (it guards a tunnel) and the key variables
 * codex-shim's providers read by default; the variables the settings name for keys are passed
 * in as `withheld`.
 */
export const WITHHELD_FROM_CURSOR = ['CODEX_SHIM_TOKEN', 'OPENAI_API_KEY', 'ANTHROPIC_API_KEY', 'OPENCODE_GO_API_KEY'] as const

/**
 * The environment cursor-agent runs with: the daemon's, without the secrets above.
 * `CURSOR_API_KEY` is removed too unless the user opts in: a stale Dashboard key would otherwise
 * override the `cursor-agent login` subscription (the original does the same, spec integrations §1.3).
 */
export function cursorChildEnv(env: Record<string, string | undefined> = process.env, options: { allowApiKey?: boolean; withheld?: readonly string[] } = {}): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [name, value] of Object.entries(env)) if (value !== undefined) out[name] = value
  for (const name of WITHHELD_FROM_CURSOR) delete out[name]
  for (const name of options.withheld ?? []) delete out[name]
  if (!options.allowApiKey) delete out.CURSOR_API_KEY
  // Plain text from `status` and `models`; the parsers strip ANSI anyway.
  out.NO_COLOR = '1'
  return out
}

/** `CODEX_SHIM_CURSOR_USE_API_KEY=1` (or true/yes/on) lets an exported CURSOR_API_KEY through to cursor-agent. */
export function allowsCursorApiKey(env: Record<string, string | undefined> = process.env): boolean {
  return envFlag(env.CODEX_SHIM_CURSOR_USE_API_KEY)
}
