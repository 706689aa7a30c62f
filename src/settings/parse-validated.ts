import { describeJsonError } from '../json-error.ts'
import { normalizeSettings, type RouterParser } from './normalize.ts'
import { SettingsError } from './read.ts'
import type { RawSettingsFile, Settings } from './schema.ts'

/**
 * The steps of parsing a settings file that need no schema: the JSON, and the
 * normalisation (aliases, slugs, defaults, the checks across entries). Apart
 * from parse.ts so a start whose settings text this build has validated
 * before (validated-record.ts) neither builds valibot's schemas (~1–1.6 ms in
 * the compiled binary) to check it again nor, without a router, loads valibot.
 */

/**
 * The text without a leading byte-order mark: Windows editors (Notepad) save one, JSON.parse refuses
 * it, and it is no part of the settings.
 */
export function withoutBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/**
 * A file saved as UTF-16 (Windows PowerShell 5.1's `>`, Out-File and Set-Content), read as UTF-8: its
 * ASCII characters come with a NUL beside each. JSON text has no raw NUL, so one near the start says so.
 */
const looksUtf16 = (text: string) => text.slice(0, 8).includes('\u0000')

/** The file's JSON, or a SettingsError saying what the file must be. */
export function settingsJson(text: string, path: string): unknown {
  try {
    return JSON.parse(withoutBom(text))
  } catch (error) {
    const message = looksUtf16(text)
      ? 'saved as UTF-16, not UTF-8; save it as UTF-8 (in PowerShell: `Set-Content -Encoding utf8`, or choose UTF-8 in your editor)'
      : `not valid JSON (${describeJsonError(text, error)}); expected {"models": [...]}`
    throw new SettingsError(path, [{ path: '', message }])
  }
}

/** A file that passed the schemas, as Settings, or a SettingsError naming each problem the schemas cannot see. */
export function normalizedSettings(raw: RawSettingsFile, path: string, parseRouter: RouterParser): Settings {
  const { settings, issues } = normalizeSettings(raw, path, parseRouter)
  if (issues.length) throw new SettingsError(path, issues)
  return settings
}

const NO_ROUTER: RouterParser = () => ({ router: null, issues: [] })

/**
 * A text this build validated before, byte for byte, and whose schema output
 * was its JSON unchanged. A `router` key is still validated (by its own
 * schemas, loaded only then): the record covers the file's schemas, not the router's.
 */
export async function parseValidatedSettings(text: string, path: string): Promise<Settings> {
  const raw = settingsJson(text, path) as RawSettingsFile & { router?: unknown }
  const parseRouter = raw.router === undefined ? NO_ROUTER : (await import('../routing/router-settings.ts')).parseRouterSettings
  return normalizedSettings(raw, path, parseRouter)
}
