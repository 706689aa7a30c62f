import { PROVIDER_ID, proxyBaseUrl, tomlString } from './config-block.ts'

const LOOPBACK = ['127.0.0.1', 'localhost', '::1']

/**
 * Adds loopback to NO_PROXY and no_proxy (both: tools read one or the other)
 * so a system proxy (Clash, corporate) does not capture requests to the shim.
 */
export function withLoopbackNoProxy(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined) out[key] = value
  for (const name of ['NO_PROXY', 'no_proxy']) {
    const parts = (out[name] ?? '').split(',').map((part) => part.trim()).filter(Boolean)
    for (const host of LOOPBACK) if (!parts.some((part) => part.toLowerCase() === host)) parts.push(host)
    out[name] = parts.join(',')
  }
  return out
}

const toml = tomlString

/**
 * `-c` overrides that point Codex at the shim for one run, writing no config
 * file. Values are TOML (Codex parses each one, spec §a.1).
 */
export function codexOverrides(options: { port: number; host?: string; catalogPath: string; model?: string; withToken?: boolean }): string[] {
  const pairs: [string, string][] = [
    ...(options.model ? ([['model', toml(options.model)]] as [string, string][]) : []),
    ['model_provider', toml(PROVIDER_ID)],
    ['model_catalog_json', toml(options.catalogPath)],
    [`model_providers.${PROVIDER_ID}.name`, toml('Codex Shim')],
    [`model_providers.${PROVIDER_ID}.base_url`, toml(proxyBaseUrl(options))],
    [`model_providers.${PROVIDER_ID}.wire_api`, toml('responses')],
    // With CODEX_SHIM_TOKEN set, Codex reads it from its environment (never from argv, which `ps` shows).
    options.withToken
      ? [`model_providers.${PROVIDER_ID}.env_key`, toml('CODEX_SHIM_TOKEN')]
      : [`model_providers.${PROVIDER_ID}.experimental_bearer_token`, toml('codex-shim')],
    [`model_providers.${PROVIDER_ID}.request_max_retries`, '4'],
    [`model_providers.${PROVIDER_ID}.stream_max_retries`, '5'],
    [`model_providers.${PROVIDER_ID}.stream_idle_timeout_ms`, '600000'],
  ]
  return pairs.flatMap(([key, value]) => ['-c', `${key}=${value}`])
}

/** True when the user's codex args already choose a model (`-m x`, `--model=x`, `-c model=…`). */
export function argsChooseModel(args: string[]): boolean {
  return args.some((arg, i) => arg === '-m' || arg === '--model' || arg.startsWith('--model=') || ((args[i - 1] === '-c' || args[i - 1] === '--config') && /^model\s*=/.test(arg)))
}

/** Codex subcommands that open the interactive TUI (the rest, like `exec`, do not use the background server). */
const TUI_COMMANDS = new Set(['resume', 'fork', 'agents'])

/**
 * Codex ≥ 0.157 runs interactive sessions on a shared background server; our
 * `-c` overrides force embedded mode, which the TUI reports as a start-up
 * warning. Passing `--no-daemon` chooses embedded mode explicitly, so the TUI
 * has nothing to warn about. Only for the TUI (no subcommand, or resume/fork/agents),
 * only when that Codex accepts the flag, never with `--remote` (a server the
 * user chose), and not twice.
 */
export function withNoDaemon(rest: string[], cli: { commands: string[]; valueOptions: string[]; supportsNoDaemon: (command: string) => boolean }): string[] {
  if (rest.some((arg) => arg === '--no-daemon' || arg === '--remote' || arg.startsWith('--remote='))) return rest
  let index = 0
  for (; index < rest.length; index++) {
    const arg = rest[index]!
    if (arg === '--') return cli.supportsNoDaemon('') ? ['--no-daemon', ...rest] : rest // the rest is the prompt
    if (!arg.startsWith('-')) break
    if (!arg.includes('=') && cli.valueOptions.includes(arg)) index++
  }
  const first = rest[index]
  if (first === undefined || !cli.commands.includes(first)) return cli.supportsNoDaemon('') ? ['--no-daemon', ...rest] : rest
  if (TUI_COMMANDS.has(first) && cli.supportsNoDaemon(first)) return [...rest.slice(0, index + 1), '--no-daemon', ...rest.slice(index + 1)]
  return rest
}
