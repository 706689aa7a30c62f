import { readFileSync, statSync } from 'node:fs'
import { writeFileAtomicOffThread } from '../codex/atomic-write.ts'
import { ShimError } from '../errors.ts'
import { codexPaths } from '../paths.ts'
import { onShutdown } from '../shutdown.ts'
import { chatgptDisabled, loginStateOf, type ChatgptLogin, type ChatgptTokens, type LoginState } from './login-file.ts'
import { withRefreshLock } from './refresh-lock.ts'

export { chatgptDisabled, type ChatgptLogin, type ChatgptTokens, type LoginState } from './login-file.ts'

/**
 * The ChatGPT login that `codex login` stored in `$CODEX_HOME/auth.json`
 * (spec §g). Read at request time, never copied, never logged. Refreshes are
 * coordinated with Codex itself, which uses the same file: refresh tokens
 * rotate, so whoever refreshes must write the new ones back, and nobody may
 * redeem a token someone else already redeemed.
 */

export const CLIENT_ID = 'app_EMoamEEZ73f0CkXaXp7hrann'
const DEFAULT_TOKEN_URL = 'https://auth.openai.com/oauth/token'
/** Refresh this long before `exp`, so a request never leaves with a token about to die. */
const EXPIRY_MARGIN_S = 60

// A request asks for the login several times (is there one, the plan's models, the tokens to
// send): the file is read and parsed again only when it changed. Codex rewrites it on refresh
// (a new inode through a rename), and any write moves its change time: but only as finely as the
// file system's clock (a scheduler tick on Linux, up to ~16 ms on Windows), so a rewrite of the same
// size soon after the last can leave every part of the stamp as it was. As git does for its index,
// a file changed within RECENT_MS of being read is not trusted to the stamp: it is read again.
const RECENT_MS = 200
let lastRead: { path: string; stamp: string; state: LoginState; settled: boolean } | null = null

export function readLoginState(path = codexPaths.auth()): LoginState {
  if (chatgptDisabled()) return { state: 'disabled' }
  let stamp: string
  let changedAt: number
  try {
    const stats = statSync(path, { bigint: true })
    stamp = `${stats.ino}:${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}`
    changedAt = Number(stats.ctimeMs > stats.mtimeMs ? stats.ctimeMs : stats.mtimeMs)
  } catch {
    return { state: 'missing' }
  }
  if (lastRead?.settled && lastRead.path === path && lastRead.stamp === stamp) return lastRead.state
  const readAt = Date.now()
  const state = parseLoginFile(path)
  lastRead = { path, stamp, state, settled: readAt - changedAt > RECENT_MS }
  return state
}

// A request asks three times in one burst of work (is there a login, the plan's models, the tokens
// to send), and each stat of auth.json cost ~25 µs of the proxy's thread. Within one turn of the
// event loop the answer is shared: a rewrite landing meanwhile cannot be told from one landing
// just after. Exact readers (the refresh under its lock, the re-read after a 401) use readLogin.
let thisTurn: { path: string; state: LoginState } | null = null
const forgetThisTurn = () => {
  thisTurn = null
}

/** readLoginState for request handling: one read per turn of the event loop. */
export function currentLoginState(): LoginState {
  const path = codexPaths.auth()
  if (thisTurn?.path === path) return thisTurn.state
  const state = readLoginState(path)
  thisTurn = { path, state }
  setImmediate(forgetThisTurn)
  return state
}

/** currentLoginState's login, or null. */
export function currentLogin(): ChatgptLogin | null {
  const result = currentLoginState()
  return result.state === 'ok' ? result.login : null
}

function parseLoginFile(path: string): LoginState {
  let raw: string
  try {
    raw = readFileSync(path, 'utf8')
  } catch {
    return { state: 'missing' }
  }
  return loginStateOf(raw)
}

/** The login, or null when there is no usable ChatGPT login (API-key mode, no file, no token). */
export function readLogin(path = codexPaths.auth()): ChatgptLogin | null {
  const result = readLoginState(path)
  return result.state === 'ok' ? result.login : null
}

/** What to tell a request that found no usable login. */
export function noLoginMessage(result: Exclude<LoginState, { state: 'ok' }>): string {
  switch (result.state) {
    case 'invalid':
      return 'auth.json is not valid JSON (run `codex login`).'
    case 'disabled':
      return 'The ChatGPT passthrough is off (CODEX_SHIM_DISABLE_CHATGPT); unset it and run `codex-shim restart`.'
    case 'api_key':
      return 'Codex is logged in with an API key, not ChatGPT. Run `codex login` (ChatGPT sign-in), then retry.'
    case 'missing':
    case 'no_token':
      return 'No ChatGPT login found. Run `codex login` (ChatGPT sign-in), then retry.'
    default:
      return result satisfies never
  }
}

// Every request checks its token's expiry: the same token until the next refresh, decoded once.
let lastDecoded: { token: string; exp: number | null } | null = null

/** `exp` from a JWT payload (unverified, as Codex does), or null. */
export function jwtExp(token: string): number | null {
  if (lastDecoded?.token === token) return lastDecoded.exp
  const exp = decodeExp(token)
  lastDecoded = { token, exp }
  return exp
}

function decodeExp(token: string): number | null {
  const payload = token.split('.')[1]
  if (!payload) return null
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }
    return typeof claims.exp === 'number' ? claims.exp : null
  } catch {
    return null
  }
}

export function isExpired(token: string, nowMs = Date.now()): boolean {
  const exp = jwtExp(token)
  return exp !== null && exp - EXPIRY_MARGIN_S <= nowMs / 1000
}

export function tokenUrl(env: Record<string, string | undefined> = process.env): string {
  return env.CODEX_REFRESH_TOKEN_URL_OVERRIDE || DEFAULT_TOKEN_URL
}

const ERROR_CODE = /^[\w.:-]{1,64}$/
const PERMANENT = new Set(['refresh_token_expired', 'refresh_token_reused', 'refresh_token_invalidated'])
export const LOGIN_HINT = 'Your ChatGPT login has expired or was revoked. Run `codex login` again, then retry.'

export type RefreshReason = 'proactive_expiry' | 'unauthorized_recovery'

/**
 * One refresh at a time in this process: concurrent callers share the
 * promise. Under the file lock, the file is re-read first: if its tokens
 * changed since `seen` (Codex refreshed), those are used and nothing is redeemed.
 */
export class TokenRefresher {
  private inflight: Promise<ChatgptLogin> | null = null
  /**
   * A refresh token the endpoint refused for good (expired, reused, revoked): redeeming it again
   * only asks for the same refusal, once for the model list and again for the turn it was for.
   * `codex login` writes a new one, which is tried.
   */
  private dead: string | null = null

  constructor(
    private readonly options: { path?: () => string; fetch?: typeof fetch; userAgent?: string; retries?: number } = {},
  ) {}

  refresh(seen: ChatgptLogin, reason: RefreshReason): Promise<ChatgptLogin> {
    if (this.inflight) return this.inflight
    const running = this.run(seen, reason)
    // A stopping proxy waits for it (bounded by the shutdown hooks' timeout): cut off after the
    // endpoint rotated the refresh token but before auth.json has the new one, the login is lost.
    const forget = onShutdown(() => running)
    this.inflight = running.finally(() => {
      forget()
      this.inflight = null
    })
    return this.inflight
  }

  private async run(seen: ChatgptLogin, reason: RefreshReason): Promise<ChatgptLogin> {
    const path = (this.options.path ?? codexPaths.auth)()
    return withRefreshLock(path, async () => {
      const current = readLogin(path)
      if (!current) throw new ShimError('auth_expired', LOGIN_HINT)
      if (current.tokens.access_token !== seen.tokens.access_token && !isExpired(current.tokens.access_token)) return current
      const refreshToken = current.tokens.refresh_token
      if (!refreshToken || refreshToken === this.dead) throw new ShimError('auth_expired', LOGIN_HINT)
      const fresh = await this.redeem(refreshToken, reason).catch((error: unknown) => {
        if (error instanceof ShimError && error.kind === 'auth_expired') this.dead = refreshToken
        throw error
      })
      // Codex does not take our lock: if it wrote a login while we were redeeming (`codex login`), that is the newer one.
      const meanwhile = readLoginState(path)
      if (meanwhile.state === 'ok' && meanwhile.login.raw !== current.raw) return meanwhile.login
      // Nor may a write-back undo `codex logout` (file removed) or `codex login --with-api-key` (no tokens): a
      // file that no longer holds the login we redeemed is the user's, and this request has no login to use.
      if (meanwhile.state !== 'ok') throw new ShimError('auth_expired', noLoginMessage(meanwhile))
      const json = JSON.parse(current.raw) as Record<string, any>
      json.tokens = { ...json.tokens }
      for (const key of ['id_token', 'access_token', 'refresh_token'] as const) if (typeof fresh[key] === 'string') json.tokens[key] = fresh[key]
      json.last_refresh = new Date().toISOString()
      const text = `${JSON.stringify(json, null, 2)}\n`
      // Codex writes auth.json 0600; a looser mode we found is not kept.
      await writeFileAtomicOffThread(path, text, { secret: true })
      return { tokens: json.tokens as ChatgptTokens, raw: text }
    })
  }

  /** POSTs the refresh the way Codex does; retries transient failures with backoff. */
  private async redeem(refreshToken: string, reason: RefreshReason): Promise<Record<string, unknown>> {
    const attempts = (this.options.retries ?? 3) + 1
    let lastError = ''
    for (let attempt = 0; attempt < attempts; attempt++) {
      if (attempt) await Bun.sleep(Math.min(4000, 250 * 2 ** attempt))
      let response: Response
      try {
        response = await (this.options.fetch ?? fetch)(tokenUrl(), {
          method: 'POST',
          headers: { 'content-type': 'application/json', originator: 'codex_cli_rs', 'user-agent': this.options.userAgent ?? 'codex-shim' },
          body: JSON.stringify({ client_id: CLIENT_ID, grant_type: 'refresh_token', refresh_reason: reason, refresh_token: refreshToken }),
          signal: AbortSignal.timeout(30_000),
          // The refresh token must never follow a redirect to another origin.
          redirect: 'manual',
        })
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error)
        continue
      }
      const text = await response.text()
      let body: Record<string, any> = {}
      try {
        body = JSON.parse(text)
      } catch {}
      if (response.ok) return body
      const code = typeof body.error === 'string' ? body.error : (body.error?.code ?? body.code)
      if (response.status === 401 || PERMANENT.has(code)) throw new ShimError('auth_expired', LOGIN_HINT, { code: 'token_expired' })
      // Only a code's shape is repeated: an endpoint that quotes the request could hand back the refresh token.
      const named = typeof code === 'string' && ERROR_CODE.test(code) && !code.includes(refreshToken) ? ` (${code})` : ''
      lastError = `HTTP ${response.status}${named}`
      if (response.status < 500 && response.status !== 429) break
    }
    throw new ShimError('upstream_unreachable', `Could not refresh the ChatGPT login (${lastError}); retry shortly, or run \`codex login\` if it persists.`, { status: 502 })
  }
}
