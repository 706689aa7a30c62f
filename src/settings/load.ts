import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import * as v from 'valibot'
import { issuePath } from '../issue-path.ts'
import { shimPaths } from '../paths.ts'
import { normalizeSettings, type SettingsIssue } from './normalize.ts'
import { SettingsFileSchema, type Settings } from './schema.ts'

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
 * Loads settings from `--settings FILE` or the default path. A missing default
 * file is fine (passthrough-only use); a missing explicit file is an error.
 */
export function loadSettings(explicitPath?: string): Settings {
  const path = explicitPath ? resolve(explicitPath) : shimPaths.settings()
  if (!existsSync(path)) {
    if (explicitPath) throw new SettingsError(path, [{ path: '', message: 'file not found; check the --settings path' }])
    return { ...EMPTY_SETTINGS }
  }
  return parseSettings(readFileSync(path, 'utf8'), path)
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
