import { parseSettings, SettingsError } from '../../src/settings/load.ts'

/** A settings file's issues as `path: message` lines; throws when it parses cleanly. */
export function settingsIssues(value: unknown): string[] {
  try {
    parseSettings(JSON.stringify(value), '/x/models.json')
  } catch (error) {
    if (error instanceof SettingsError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`)
    throw error
  }
  throw new Error('expected a SettingsError')
}
