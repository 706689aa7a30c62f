import type * as v from 'valibot'
import { redactUrl } from './redact.ts'

/**
 * A valibot issue's location as users read it: `models[2].provider` (OpenAI
 * and settings style) or `messages.0.content` (Anthropic's own style).
 */
export function issuePath(issue: v.BaseIssue<unknown>, options: { prefix?: string; numbers?: 'brackets' | 'dots' } = {}): string {
  let out = options.prefix ?? ''
  for (const item of issue.path ?? []) {
    const key = item.key as string | number
    if (typeof key === 'number' && options.numbers !== 'dots') out += `[${key}]`
    else out += out ? `.${key}` : String(key)
  }
  return out
}

/** valibot reports a missing key as "Invalid key: Expected …"; callers say it plainly. */
export function isMissingKey(issue: v.BaseIssue<unknown>): boolean {
  return issue.received === 'undefined' && /^Invalid key/.test(issue.message)
}

/** Checks whose `received` valibot gives as the length it found ("0"), not the value. */
const LENGTH_CHECKS: ReadonlySet<string> = new Set(['non_empty', 'min_length', 'max_length', 'length', 'min_bytes', 'max_bytes', 'bytes', 'min_graphemes', 'max_graphemes', 'graphemes', 'min_words', 'max_words', 'words', 'min_size', 'max_size', 'size'])

/** ` (got …)`: what the request held there, when the issue says it (not for a missing field, a value of no known type, or a length). */
export function foundIn(issue: v.BaseIssue<unknown>): string {
  if (!issue.received || issue.received === 'unknown' || isMissingKey(issue) || LENGTH_CHECKS.has(issue.type)) return ''
  return ` (got ${issue.received})`
}

const SECRET_FIELDS: ReadonlySet<string> = new Set(['api_key', 'apiKey', 'api_key_env', 'apiKeyEnv', 'extra_headers', 'extraHeaders'])

/** `base_url`, `baseUrl`: a value that failed as a URL may still carry a key in its query (`?key=`). */
const isUrlField = (key: unknown) => typeof key === 'string' && /url$/i.test(key)

/**
 * What was found, as the message repeats it: a `user:password@` masked wherever it is, and a URL
 * field's query and fragment values too (`list` and the log mask those), however malformed the
 * URL that failed (a space in it, no scheme, an upper-case scheme).
 */
function foundText(received: string, urlField: boolean): string {
  const masked = received.replace(/[^\s"/@]+@/g, '[redacted]@')
  if (!urlField || masked.length < 2 || !masked.startsWith('"') || !masked.endsWith('"')) return masked
  return `"${redactUrl(masked.slice(1, -1))}"`
}

/**
 * A settings issue's message with what was found (`expected true or false (got "yes")`). A
 * union reports its options' issues; the deepest one is the useful one.
 */
export function settingsIssueMessage(issue: v.BaseIssue<unknown>): string {
  const nested = issue.issues?.at(-1)
  // What was found is not repeated for a field that holds a key (or a key pasted where a name belongs).
  const secret = (issue.path ?? []).some((item) => typeof item.key === 'string' && SECRET_FIELDS.has(item.key))
  // A URL's `user:password@` neither (a base_url that failed its check for another reason).
  const received = issue.received && !secret && !LENGTH_CHECKS.has(issue.type) ? ` (got ${foundText(issue.received, isUrlField(issue.path?.at(-1)?.key))})` : ''
  return nested && nested.path?.length ? `${nested.message}${received}` : `${issue.message}${received}`
}
