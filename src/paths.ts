import { homedir } from 'node:os'
import { join, resolve } from 'node:path'

export const DEFAULT_PORT = 8765
export const DEFAULT_HOST = '127.0.0.1'

function home(): string {
  return process.env.HOME || process.env.USERPROFILE || homedir()
}

/** `$CODEX_SHIM_HOME`, default `~/.codex-shim`: our settings and runtime files. */
export function shimHome(): string {
  const configured = process.env.CODEX_SHIM_HOME
  return configured ? resolve(configured) : join(home(), '.codex-shim')
}

/** `$CODEX_HOME`, default `~/.codex`: Codex's own files (config.toml, auth.json). */
export function codexHome(): string {
  const configured = process.env.CODEX_HOME
  return configured ? resolve(configured) : join(home(), '.codex')
}

export const shimPaths = {
  settings: () => join(shimHome(), 'models.json'),
  catalog: () => join(shimHome(), 'model_catalog.json'),
  providerSnippet: () => join(shimHome(), 'codex-provider.toml'),
  pidFile: () => join(shimHome(), 'codex-shim.pid'),
  logFile: () => join(shimHome(), 'codex-shim.log'),
}

export const codexPaths = {
  config: () => join(codexHome(), 'config.toml'),
  auth: () => join(codexHome(), 'auth.json'),
}
