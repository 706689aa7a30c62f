import * as v from 'valibot'
import { issuePath } from '../issue-path.ts'
import { normalizeSettings } from './normalize.ts'
import { SettingsError } from './read.ts'
import { SettingsFileSchema, type Settings } from './schema.ts'

/**
 * A settings file's text to settings, or a SettingsError naming each problem.
 * Apart from load.ts so the proxy's start, which reads the file through Bun's
 * file API, does not also import node:fs (~2 ms) to parse it.
 */
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
