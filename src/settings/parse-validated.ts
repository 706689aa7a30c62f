import { normalizeSettings } from './normalize.ts'
import { SettingsError } from './read.ts'
import type { RawSettingsFile, Settings } from './schema.ts'

/**
 * The steps of parsing a settings file that need no schema: the JSON, and the
 * normalisation (aliases, slugs, defaults, the checks across entries). Apart
 * from parse.ts so a start whose settings text this build has validated
 * before (validated-record.ts) does not build valibot's schemas (~1–1.6 ms in
 * the compiled binary) to check it again.
 */

/** The file's JSON, or a SettingsError saying what the file must be. */
export function settingsJson(text: string, path: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new SettingsError(path, [{ path: '', message: `not valid JSON (${detail}); expected {"models": [...]}` }])
  }
}

/** A file that passed the schemas, as Settings, or a SettingsError naming each problem the schemas cannot see. */
export function normalizedSettings(raw: RawSettingsFile, path: string): Settings {
  const { settings, issues } = normalizeSettings(raw, path)
  if (issues.length) throw new SettingsError(path, issues)
  return settings
}

/** A text this build validated before, byte for byte, and whose schema output was its JSON unchanged. */
export function parseValidatedSettings(text: string, path: string): Settings {
  return normalizedSettings(settingsJson(text, path) as RawSettingsFile, path)
}
