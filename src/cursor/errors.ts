import { clientClosed, ShimError } from '../errors.ts'

export const CURSOR_LOGIN_HINT = 'Run `cursor-agent login`, then `cursor-agent status`, and retry.'

const ANSI = /\u001b\[[0-?]*[ -\/]*[@-~]|\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g

export function stripAnsi(text: string): string {
  return text.replace(ANSI, '')
}

/**
 * Phrases of a missing or expired login, from the original (PR #21) and Open
 * Design. They are checked before any positive phrase, because "not logged
 * in" contains "logged in" (spec integrations §1.3).
 */
const AUTH_FAILURE_PHRASES = ['authentication required', 'not authenticated', 'not logged in', 'unauthenticated', 'agent login', 'cursor_api_key', 'please run']

export function isCursorAuthFailureText(text: string): boolean {
  const lower = stripAnsi(text).toLowerCase()
  return AUTH_FAILURE_PHRASES.some((phrase) => lower.includes(phrase))
}

const EXCERPT_CHARS = 500

/**
 * The tail of stderr, fit for an error message: bounded, one line, without
 * anything that looks like a credential, and without lines that repeat the
 * prompt (cursor-agent could echo it; the prompt never leaves in an error).
 */
export function stderrExcerpt(stderr: string, prompt = ''): string {
  const lines = stripAnsi(stderr.slice(-4 * EXCERPT_CHARS))
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => (quotesPrompt(line, prompt) ? '[prompt text removed]' : line))
  const excerpt = withoutCredentials(lines.join(' | '))
  return excerpt.length > EXCERPT_CHARS ? `…${excerpt.slice(-EXCERPT_CHARS)}` : excerpt
}

/**
 * What looks like a credential, by shape (cursor-agent's own token is never ours to know by
 * value): an authorization scheme's value, any `…key…`/`…token…`/`…secret…`/`…password…` name
 * given a value (`access_token=`, `"token":"…"`, `apiKey: …`), a JWT, a prefixed key.
 */
function withoutCredentials(text: string): string {
  return text
    .replace(/\b(bearer|basic)\s+[^\s"',;]+/gi, '$1 [redacted]')
    .replace(/([A-Za-z0-9_-]*(?:key|token|secret|passw(?:or)?d|credential|auth)[A-Za-z0-9_-]*)("?\s*[:=]\s*"?)[^\s"',;}]+/gi, '$1$2[redacted]')
    .replace(/\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}(?:\.[A-Za-z0-9_-]*)?/g, '[redacted]')
    .replace(/\b(?:key|sk|crsr)_[A-Za-z0-9_-]{16,}\b/g, '[redacted]')
}

/**
 * Whether a line repeats any 24-character run of the prompt (sampled every 12 characters), as
 * written or as a JSON string holds it (`\n`, `\"` escaped): each of its lines is checked.
 */
function quotesPrompt(line: string, prompt: string): boolean {
  if (!prompt) return false
  const unescaped = line.replace(/\\(["\\/nrt])/g, (_, char: string) => ({ n: '\n', r: '\r', t: '\t' })[char] ?? char)
  return [line, ...unescaped.split(/\r?\n/)].some((part) => repeatsPrompt(part.trim(), prompt))
}

function repeatsPrompt(line: string, prompt: string): boolean {
  if (line.length < 24) return line.length >= 12 && prompt.includes(line)
  for (let start = 0; start + 24 <= line.length; start += 12) if (prompt.includes(line.slice(start, start + 24))) return true
  return prompt.includes(line.slice(-24))
}

/** `Cannot use this model: <id>. Available models: a, b, c` (spec §1.4). */
function invalidModelError(stderr: string, model: string, known: string[]): ShimError | null {
  const match = stripAnsi(stderr).match(/cannot use this model[:\s]*([^\s.]+(?:\.[^\s.]+)*)?\.?(?:\s*available models:\s*(.*))?/i)
  if (!match) return null
  const listed = match[2]?.split(/[,\n]/).map((name) => name.trim()).filter(Boolean) ?? []
  return unknownCursorModel(model, known.length ? known : listed)
}

export function unknownCursorModel(model: string, known: string[]): ShimError {
  const list = known.length ? ` Available: ${known.slice(0, 40).join(', ')}${known.length > 40 ? ', …' : ''}.` : ''
  return new ShimError('bad_request', `cursor-agent cannot use model "${model}".${list} Run \`cursor-agent models\` to see the models of your account.`, { param: 'model', code: 'model_not_found' })
}

export function cursorAuthError(): ShimError {
  return new ShimError('auth_expired', `Cursor Agent is not signed in (or its login expired). ${CURSOR_LOGIN_HINT}`)
}

/** Why a run was stopped when its client went away (spawn.ts), told apart from the time limit. */
export const CLIENT_CLOSED = 'the client closed the request'

export interface CursorExit {
  /** null when a signal ended the process. */
  exitCode: number | null
  stderr: string
  /** The cursor model id that was asked for. */
  model: string
  /** Known model ids, for the "available" list. */
  models?: string[]
  /** Why we stopped it, when we did (client gone, run time limit). */
  killedBecause?: string | null
  /** Only used to keep the prompt out of the excerpt. */
  prompt?: string
}

/**
 * What a finished cursor-agent run means: null for success, else the typed
 * error. The exit code alone proves little (`status` exits 0 logged out), so
 * the text decides the kind and the code only says something went wrong.
 */
export function classifyCursorExit(exit: CursorExit): ShimError | null {
  // Not a timeout (504): nobody is waiting for the answer, and the log should say who left.
  if (exit.killedBecause === CLIENT_CLOSED) return clientClosed()
  if (exit.killedBecause) return new ShimError('upstream_timeout', `cursor-agent was stopped: ${exit.killedBecause}.`)
  if (exit.exitCode === 0) return null
  return classifyCursorFailureText(exit.stderr, exit)
}

/** A failure's text (stderr, or an error `result`) → the typed error. */
export function classifyCursorFailureText(text: string, exit: Omit<CursorExit, 'stderr'>): ShimError {
  if (isCursorAuthFailureText(text) || /connecterror:\s*\[unauthenticated\]/i.test(text)) return cursorAuthError()
  const invalid = invalidModelError(text, exit.model, exit.models ?? [])
  if (invalid) return invalid
  if (/workspace trust required/i.test(text)) return new ShimError('config', 'cursor-agent refused the workspace ("Workspace Trust Required"). Run `cursor-agent` once in that directory and trust it, then retry.')
  const excerpt = stderrExcerpt(text, exit.prompt)
  const how = exit.exitCode === null ? 'was killed by a signal' : `exited with code ${exit.exitCode}`
  return new ShimError('upstream_stream', `cursor-agent ${how}${excerpt ? `: ${excerpt}` : ' without an error message'}.`)
}
