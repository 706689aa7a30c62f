import * as v from 'valibot'
import { issuePath, settingsIssueMessage } from '../issue-path.ts'
import { parseRouterSettings } from '../routing/router-settings.ts'
import { normalizedSettings, settingsJson } from './parse-validated.ts'
import { SettingsError } from './read.ts'
import { SettingsFileSchema, type RawSettingsFile, type Settings } from './schema.ts'

/**
 * A settings file's text to settings, or a SettingsError naming each problem.
 * Apart from load.ts so the proxy's start, which reads the file through Bun's
 * file API, does not also import node:fs (~2 ms) to parse it.
 */
export function parseSettings(text: string, path: string): Settings {
  return normalizedSettings(schemaChecked(settingsJson(text, path), path), path, parseRouterSettings)
}

/**
 * `parseSettings`, also saying whether the schemas passed the file's JSON
 * through unchanged (no string trimmed): only then may a later start skip
 * them for the same text (validated-record.ts). The commands, which never
 * skip them, use parseSettings and do not pay for the comparison.
 */
export function validateSettings(text: string, path: string): { settings: Settings; unchanged: boolean } {
  const json = settingsJson(text, path)
  const output = schemaChecked(json, path)
  const unchanged = Bun.deepEquals(output, json, true)
  return { settings: normalizedSettings(output, path, parseRouterSettings), unchanged }
}

/** The file's JSON through the schemas, or a SettingsError naming each problem they find. */
function schemaChecked(json: unknown, path: string): RawSettingsFile {
  const parsed = v.safeParse(SettingsFileSchema, json)
  if (!parsed.success) {
    throw new SettingsError(path, parsed.issues.map((issue) => ({ path: issuePath(issue), message: settingsIssueMessage(issue) })))
  }
  return parsed.output
}

