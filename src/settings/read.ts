import { fileAbsent, fileText } from '../file-text.ts'
import { resolvePath, shimPaths } from '../paths.ts'
import { BUILD_ID } from '../version.ts'
import type { SettingsIssue } from './normalize.ts'
import type { Settings } from './schema.ts'
import { readValidatedRecord, recordValidated, validatedKey } from './validated-record.ts'

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

/** The file `--settings` names, absolute, or the default one. */
export const settingsFileOf = (explicitPath?: string) => (explicitPath ? resolvePath(explicitPath) : shimPaths.settings())

/**
 * What to do when the settings file could not be read: the default file may
 * be absent (passthrough-only use), an explicit one may not, and a file that
 * is there but unreadable (a folder, no permission) is an error either way.
 */
export function unreadableSettings(path: string, explicit: boolean, error: unknown): Settings {
  const code = (error as { code?: string }).code
  if (code === 'ENOENT' && !explicit) return { ...EMPTY_SETTINGS }
  const message = code === 'ENOENT' ? 'file not found; check the --settings path' : `cannot be read (${code ?? (error as Error).message}); expected a JSON file you can read`
  throw new SettingsError(path, [{ path: '', message }])
}

/**
 * `loadSettings` for the proxy's own start, read through Bun's file API (node:fs
 * costs the start ~2 ms to import). The parser (valibot, the schemas, the
 * provider table) loads only when there is a file to parse, so a start without
 * settings (a ChatGPT or Cursor subscription alone) reads none of it; and a
 * text this build validated before skips the schemas (validated-record.ts).
 * `buildId` is for tests: from source there is none, and every start validates.
 */
export async function readSettings(explicitPath?: string, options: { buildId?: string | null } = {}): Promise<Settings> {
  const path = settingsFileOf(explicitPath)
  const file = Bun.file(path)
  // The usual start has no settings file.
  if (!explicitPath && (await fileAbsent(file))) return { ...EMPTY_SETTINGS }
  const buildId = options.buildId === undefined ? BUILD_ID : options.buildId
  const record = buildId ? readValidatedRecord() : null
  let text: string
  try {
    text = await fileText(file)
  } catch (error) {
    return unreadableSettings(path, Boolean(explicitPath), error)
  }
  // The record is read beside the settings file (it never fails: no record, no lines).
  const lines = (await record) ?? []
  const key = buildId ? validatedKey(text, buildId) : null
  if (key && lines.includes(key)) return (await import('./parse-validated.ts')).parseValidatedSettings(text, path)
  const { settings, unchanged } = (await import('./parse.ts')).validateSettings(text, path)
  // Not awaited: the first start after an edit would wait ~0.5–1 ms on the write.
  if (key && unchanged) void recordValidated(lines, key)
  return settings
}
