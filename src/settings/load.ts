import { readFileSync } from 'node:fs'
import { parseSettings } from './parse.ts'
import { settingsFileOf, unreadableSettings } from './read.ts'
import type { Settings } from './schema.ts'

export { parseSettings } from './parse.ts'
export { EMPTY_SETTINGS, SettingsError } from './read.ts'

/**
 * Loads settings from `--settings FILE` or the default path. A missing default
 * file is fine (passthrough-only use); a missing explicit file is an error.
 */
export function loadSettings(explicitPath?: string): Settings {
  const path = settingsFileOf(explicitPath)
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    return unreadableSettings(path, Boolean(explicitPath), error)
  }
  return parseSettings(text, path)
}
