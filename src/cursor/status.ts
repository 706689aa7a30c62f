import { describeMs } from '../errors.ts'
import { isCursorAuthFailureText, stripAnsi } from './errors.ts'
import { cached } from './_cache.ts'
import { runCursorCommand } from './_probe.ts'

/**
 * - `logged-in`: `✓ Logged in as <email>`;
 * - `logged-out`: any negative phrase (checked first: "not logged in" contains "logged in");
 * - `degraded`: `Logged in (unable to fetch user details)`, seen on 2026.04 builds, where
 *   `models` lists nothing and runs fail: treated as not usable;
 * - `unknown`: the probe failed, timed out, or printed text we do not know. Not "logged out".
 * The exit code is not evidence either way (spec integrations §1.3).
 */
export type CursorStatusState = 'logged-in' | 'logged-out' | 'degraded' | 'unknown'

export interface CursorStatus {
  state: CursorStatusState
  /** The account `status` names (an email), when it names one. Never a token. */
  account?: string
  /** Why the state is unknown, for `doctor`: no binary, timeout, unrecognised text. */
  detail?: string
  /** The probe hit its time limit: the CLI hangs, so nothing else should wait on it now. */
  timedOut?: boolean
}

export const STATUS_TIMEOUT_MS = 5000
export const STATUS_TTL_MS = 30_000

export function parseCursorStatus(text: string): CursorStatus {
  const plain = stripAnsi(text)
  const lower = plain.toLowerCase()
  if (isCursorAuthFailureText(plain)) return { state: 'logged-out' }
  if (lower.includes('unable to fetch user details')) return { state: 'degraded', detail: 'cursor-agent is logged in but cannot fetch the account (its models list is empty); run `cursor-agent logout`, then `cursor-agent login`.' }
  const account = plain.match(/logged in as\s+([^\s<>"'`]+)/i)?.[1]?.replace(/[.,;:!)]+$/, '')
  if (account) return { state: 'logged-in', account: account.slice(0, 200) }
  if (/\blogged in\b/i.test(plain) || /\blogin successful\b/i.test(plain)) return { state: 'logged-in' }
  return { state: 'unknown', detail: plain.trim() ? 'cursor-agent status printed text codex-shim does not recognise.' : 'cursor-agent status printed nothing.' }
}

/** `cursor-agent status`, bounded by a timeout (the CLI can hang on a network call). */
export async function probeCursorStatus(bin: string, options: { timeoutMs?: number; env?: Record<string, string | undefined>; allowApiKey?: boolean } = {}): Promise<CursorStatus> {
  const timeoutMs = options.timeoutMs ?? STATUS_TIMEOUT_MS
  const result = await runCursorCommand(bin, ['status'], { timeoutMs, env: options.env, allowApiKey: options.allowApiKey })
  if (result.timedOut) return { state: 'unknown', detail: `cursor-agent status did not answer within ${describeMs(timeoutMs)}.`, timedOut: true }
  return parseCursorStatus(result.output)
}

/** The status probe, cached for 30 s (the original's interval). */
export function createCursorStatusCache(probe: () => Promise<CursorStatus>, ttlMs = STATUS_TTL_MS, now?: () => number) {
  return cached(probe, ttlMs, now)
}
