import { DEFAULT_HOST, DEFAULT_PORT } from '../paths.ts'

export const portArgs = {
  port: { type: 'string', description: `Port of the proxy (default ${DEFAULT_PORT})`, valueHint: 'N' },
} as const

export const hostArgs = {
  host: { type: 'string', description: `Address to listen on (default ${DEFAULT_HOST})`, valueHint: 'HOST' },
} as const

export const settingsArgs = {
  settings: { type: 'string', description: 'Settings file (default ~/.codex-shim/models.json)', valueHint: 'FILE' },
} as const

export const jsonArgs = {
  json: { type: 'boolean', description: 'Machine-readable output on stdout' },
} as const

export const verboseArgs = {
  verbose: { type: 'boolean', description: 'Debug output and stack traces' },
} as const

export class UsageError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'UsageError'
  }
}

/** `--port` as a number, with a clear error for anything else. */
export function parsePort(value: string | undefined, fallback = DEFAULT_PORT): number {
  if (value === undefined || value === '') return fallback
  const port = Number(value)
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port expects a number from 0 to 65535, got "${value}".`)
  return port
}

export function parseHost(value: string | undefined): string {
  return value?.trim() || DEFAULT_HOST
}
