import { readFileSync } from 'node:fs'
import * as v from 'valibot'
import { issuePath } from '../issue-path.ts'
import { normalizeSettings } from './normalize.ts'
import { settingsFileOf, SettingsError, unreadableSettings } from './read.ts'
import { SettingsFileSchema, type Settings } from './schema.ts'

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

export function parseSettings(text: string, path: string): Settings {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error)
    throw new SettingsError(path, [{ path: '', message: `not valid JSON (${detail}); expected {"models": [...]}` }])
  }
  const parsed = v.safeParse(SettingsFileSchema, json)
  if (!parsed.success) {
    throw new SettingsError(path, parsed.issues.map((issue) => ({ path: issuePath(issue), message: issueMessage(issue) })))
  }
  const { settings, issues } = normalizeSettings(parsed.output, path)
  if (issues.length) throw new SettingsError(path, issues)
  return settings
}

function issueMessage(issue: v.BaseIssue<unknown>): string {
  // Unions report their nested issues; the deepest one is the useful one.
  const nested = issue.issues?.at(-1)
  const received = issue.received ? ` (got ${issue.received})` : ''
  return nested && nested.path?.length ? `${nested.message}${received}` : `${issue.message}${received}`
}
