import { loadBundledCatalog } from '../codex/bundled.ts'
import { VERSION } from '../version.ts'
import { backendBase } from './backend.ts'
import { currentLogin, isExpired, type ChatgptLogin } from './auth.ts'

export type ChatgptModel = Record<string, unknown> & { slug: string }

/**
 * The subscription's models: the live list (`…/codex/models?client_version=`
 * with the user's token, revalidated with its ETag), else the installed
 * Codex's bundled catalog. Kept as is: passthrough needs no translation, so
 * responses-lite models work too.
 */
export class ChatgptCatalog {
  /**
   * `account`: whose list it is (`tokens.account_id`); another account's plan may offer other models.
   * `token`: for the bundled stand-in, the access token the live list could not be had with.
   */
  private cache: { models: ChatgptModel[]; etag: string | null; at: number; source: 'live' | 'bundled'; account: string | undefined; token?: string } | null = null
  private refreshing: Promise<ChatgptModel[]> | null = null
  /** The version the Codex in front of us reports (its user-agent), once one has asked. */
  private seenVersion: string | null = null

  constructor(private readonly options: { fetch?: typeof fetch; clientVersion?: string; ttlMs?: number } = {}) {}

  /**
   * The list as last known; an old one (past `ttlMs`, 5 minutes) is answered
   * at once and refreshed behind it: requests route and clamp with it, and
   * none waits for the round trip to chatgpt.com that revalidates it (before,
   * one request every five minutes did). Only the first asks and waits.
   */
  async models(): Promise<ChatgptModel[]> {
    const login = currentLogin()
    if (!login) return []
    // After `codex login` switched account, the old account's list is not this one's: asked for, and waited for.
    if (!this.cache || this.cache.account !== login.tokens.account_id) return this.refresh(login)
    // The bundled list stood in because the token had expired: once the login has a new one (Codex or
    // a request refreshed it), the plan's list is asked for, not after the 5 minutes.
    if (this.cache.source === 'bundled' && this.cache.token !== undefined && this.cache.token !== login.tokens.access_token && !isExpired(login.tokens.access_token)) return this.refresh(login)
    if (Date.now() - this.cache.at >= (this.options.ttlMs ?? 300_000)) this.refresh(login).catch(() => {})
    return this.cache.models
  }

  /**
   * Notes the version of the Codex sending a request, from its user-agent
   * (`codex_exec/0.169.0 (…) …`): the list the backend gives depends on it, and
   * knowing it spares the first request the wait for the installed Codex CLI
   * to say its own (which may not be the one running: Codex Desktop has its own).
   */
  noteClient(headers: Headers): void {
    if (!headers.get('originator')) return
    const version = headers.get('user-agent')?.match(/^[^/]{1,64}\/(\d+\.\d+\.\d+[\w.+-]*)/)?.[1]
    if (version) this.seenVersion = version
  }

  /** Settles when the refresh under way, if any, has (tests). */
  async settled(): Promise<void> {
    await this.refreshing?.catch(() => {})
  }

  private refresh(login: ChatgptLogin): Promise<ChatgptModel[]> {
    return (this.refreshing ??= this.load(login).finally(() => (this.refreshing = null)))
  }

  private async load(login: ChatgptLogin): Promise<ChatgptModel[]> {
    const account = login.tokens.account_id
    const live = await this.fetchLive(login).catch(() => null)
    if (live) return live
    if (this.cache?.source === 'live' && this.cache.account === account) return this.cache.models // stale beats nothing
    const bundled = ((await loadBundledCatalog())?.models ?? []).filter((model): model is ChatgptModel => typeof model.slug === 'string')
    this.cache = { models: bundled, etag: null, at: Date.now(), source: 'bundled', account, ...(isExpired(login.tokens.access_token) && { token: login.tokens.access_token }) }
    return bundled
  }

  /** The effort levels a model accepts, for clamping. */
  async efforts(slug: string): Promise<string[] | null> {
    const model = (await this.models()).find((entry) => entry.slug === slug)
    const levels = model?.supported_reasoning_levels as { effort: string }[] | undefined
    return levels?.map((level) => level.effort) ?? null
  }

  private async fetchLive(login: ChatgptLogin): Promise<ChatgptModel[] | null> {
    const { tokens } = login
    // Never redeemed for this list: Codex refreshes a shared login at its start-up, and a second
    // redemption of the same refresh token at once can revoke them all. An expired token would only
    // be refused: the bundled list stands in until the login has a new one (models()).
    if (isExpired(tokens.access_token)) return null
    // The ETag (and a 304) stand for the list of the account that was sent it.
    const cached = this.cache?.account === tokens.account_id ? this.cache : null
    const version = this.options.clientVersion ?? this.seenVersion ?? (await loadBundledCatalog())?.codexVersion ?? VERSION
    const headers: Record<string, string> = { authorization: `Bearer ${tokens.access_token}`, originator: 'codex_cli_rs', accept: 'application/json' }
    if (tokens.account_id) headers['chatgpt-account-id'] = tokens.account_id
    if (cached?.etag) headers['if-none-match'] = cached.etag
    const response = await (this.options.fetch ?? fetch)(`${backendBase()}/codex/models?client_version=${encodeURIComponent(version)}`, { headers, signal: AbortSignal.timeout(10_000), redirect: 'manual' })
    if (response.status === 304 && cached) {
      cached.at = Date.now()
      return cached.models
    }
    if (!response.ok) return null
    const body = (await response.json()) as { models?: ChatgptModel[] }
    if (!Array.isArray(body.models)) return null
    const models = body.models.filter((model) => typeof model.slug === 'string')
    this.cache = { models, etag: response.headers.get('etag'), at: Date.now(), source: 'live', account: tokens.account_id }
    return models
  }
}

