import { ShimError } from '../errors.ts'
import { openUpstream, readBounded, upstreamOptions } from '../upstream/http.ts'
import type { ProviderContext } from '../upstream/context.ts'
import { VERSION } from '../version.ts'
import { currentLogin, currentLoginState, isExpired, LOGIN_HINT, noLoginMessage, readLogin, TokenRefresher, type ChatgptLogin } from './auth.ts'
import { backendBase, backendHeaders, clientResponseHeaders } from './backend.ts'
import { ChatgptCatalog } from './catalog.ts'
import { QuotaStore } from './quota.ts'

const BACKEND_RETRY_STATUSES: ReadonlySet<number> = new Set([500, 502, 503, 504])

// Read from the id token on every request: the same token until the next refresh, decoded once.
let lastPlan: { idToken: string | undefined; plan: string | null } | null = null

function planType(login: ChatgptLogin): string | null {
  const idToken = login.tokens.id_token
  if (lastPlan && lastPlan.idToken === idToken) return lastPlan.plan
  const plan = decodePlan(idToken)
  lastPlan = { idToken, plan }
  return plan
}

function decodePlan(idToken: string | undefined): string | null {
  const payload = idToken?.split('.')[1]
  if (!payload) return null
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, any>
    return claims['https://api.openai.com/auth']?.chatgpt_plan_type ?? null
  } catch {
    return null
  }
}

/**
 * Everything about the subscription passthrough that has state: the refresh
 * coordinator, the model catalog and the latest quota figures.
 */
export class ChatgptService {
  readonly refresher: TokenRefresher
  readonly catalog: ChatgptCatalog
  readonly quota = new QuotaStore()

  constructor(private readonly options: { fetch?: typeof fetch } = {}) {
    this.refresher = new TokenRefresher({ fetch: options.fetch, userAgent: `codex_cli_rs/${VERSION} (codex-shim)` })
    this.catalog = new ChatgptCatalog({ fetch: options.fetch })
  }

  usable(): boolean {
    return currentLogin() !== null
  }

  /**
   * POSTs a Responses body to the backend with the user's login: refreshed
   * first if the access token expired; on a 401, auth.json is re-read (Codex
   * may have refreshed) or refreshed, and the request retried; a re-read token
   * that is refused too is refreshed, and the request retried once more. Returns
   * the backend's response when it is 200 or a 429 (whose body Codex reads);
   * throws a ShimError for anything else.
   */
  async send(body: string, context: ProviderContext, path = '/codex/responses'): Promise<Response> {
    const found = currentLoginState()
    if (found.state !== 'ok') throw new ShimError('auth_expired', noLoginMessage(found))
    let login = found.login
    if (isExpired(login.tokens.access_token)) login = await this.refresher.refresh(login, 'proactive_expiry')
    // 429 is not retried here: on a subscription it means a usage window, not a blip.
    const options = { ...upstreamOptions(context, BACKEND_RETRY_STATUSES), fetch: this.options.fetch ?? fetch }
    const post = async (current: ChatgptLogin) =>
      (await openUpstream({ url: `${backendBase()}${path}`, headers: backendHeaders(context.clientHeaders, current.tokens, VERSION), body, label: 'the ChatGPT backend' }, options)).response
    let response = await post(login)
    if (response.status === 401) {
      await response.body?.cancel()
      const reread = readLogin()
      const rereadOnly = Boolean(reread && reread.tokens.access_token !== login.tokens.access_token)
      login = rereadOnly ? reread! : await this.refresher.refresh(login, 'unauthorized_recovery')
      response = await post(login)
      // The token found in the file was refused too (revoked along with the first): it is refreshed
      // once more, as Codex would, before the user is told to log in again.
      if (response.status === 401 && rereadOnly) {
        await response.body?.cancel()
        login = await this.refresher.refresh(login, 'unauthorized_recovery')
        response = await post(login)
      }
      if (response.status === 401) {
        await response.body?.cancel()
        throw new ShimError('auth_expired', LOGIN_HINT)
      }
    }
    this.quota.record(response.headers, planType(login))
    if (response.ok || response.status === 429) return response
    const text = await readBounded(response)
    let message = text.trim().slice(0, 500) || 'no error body'
    try {
      const json = JSON.parse(text) as { detail?: unknown; error?: { message?: string } }
      message = typeof json.detail === 'string' ? json.detail : (json.error?.message ?? message)
    } catch {}
    const headers = clientResponseHeaders(response.headers)
    throw new ShimError('upstream_http', `The ChatGPT backend returned HTTP ${response.status}: ${message}`, { status: response.status, retryAfter: headers['retry-after'] })
  }
}
