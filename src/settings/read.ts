import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { shimPaths } from '../paths.ts'
import type { SettingsIssue } from './normalize.ts'
import type { Settings } from './schema.ts'

/** Bad settings: the CLI prints `file`, then one `path: message` line per issue, and exits 2. */
export class SettingsError extends Error {
  constructor(
    readonly file: string,
    readonly issues: SettingsIssue[],
  ) {
    super(`Invalid settings in ${file}:\n${issues.map((issue) => `  ${issue.path || '(file)'}: ${issue.message}`).join('\n')}`)
    this.name = 'SettingsError'
  }
}

export const EMPTY_SETTINGS: Settings = { path: null, models: [], launch_models: [], aliases: {}, warnings: [] }

/**
 * The settings file to parse, or the settings to use without one: the
 * default file may be absent (passthrough-only use), an explicit one may not.
 */
export function locateSettings(explicitPath?: string): { path: string } | { settings: Settings } {
  const path = explicitPath ? resolve(explicitPath) : shimPaths.settings()
  if (existsSync(path)) return { path }
  if (explicitPath) throw new SettingsError(path, [{ path: '', message: 'file not found; check the --settings path' }])
  return { settings: { ...EMPTY_SETTINGS } }
}

/**
 * `loadSettings` for the proxy's own start: the parser (valibot, the schemas,
 * the provider table) is loaded only when there is a file to parse, so a
 * start without settings (a ChatGPT or Cursor subscription alone) reads none of it.
 */
export async function readSettings(explicitPath?: string): Promise<Settings> {
  const found = locateSettings(explicitPath)
  if ('settings' in found) return found.settings
  const { parseSettings } = await import('./load.ts')
  return parseSettings(readFileSync(found.path, 'utf8'), found.path)
}
