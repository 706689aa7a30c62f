import { ShimError } from '../errors.ts'
import { sameSecret } from './same-secret.ts'

export const PAGE_TOKEN_HEADER = 'x-codex-shim-page-token'

/**
 * Headers on every control-page response. No CORS headers at all: another
 * origin's script can send a simple request but never read the answer.
 * CORP keeps no-cors reads (an `<img>`, a `<script src>`) out as well.
 */
export const COMMON_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
} as const

/** The page's CSP: its one inline script and style carry this response's nonce; it may fetch only its own origin. */
export function pagePolicy(nonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src 'nonce-${nonce}'`,
    "img-src 'self' data:",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ')
}

/** API answers are data, never documents: nothing may run or embed them either. */
export const API_POLICY = "default-src 'none'; frame-ancestors 'none'"

/** The headers on every /api answer. */
export const API_HEADERS = { 'content-security-policy': API_POLICY, ...COMMON_HEADERS } as const

/** A JSON answer of the control page's API. */
export function apiJson(value: unknown, status = 200): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...API_HEADERS } })
}

/** An API refusal as the page reads it: `{error: {type, message}}`, with the error's status. */
export function apiError(error: ShimError): Response {
  return apiJson({ error: { type: error.kind, message: error.message } }, error.status)
}

/**
 * The proxy's guard (`checkRequest`) accepts any loopback Origin, ports
 * included, since agents on this machine are welcome. The page is stricter:
 * `http://127.0.0.1:9999` is another origin (another local app), so an
 * Origin must be exactly the one the request was sent to.
 */
export function checkSameOrigin(request: Request): void {
  const origin = request.headers.get('origin')
  const host = request.headers.get('host') ?? new URL(request.url).host
  if (origin !== null) {
    let ok = false
    try {
      const url = new URL(origin)
      ok = (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host.toLowerCase()
    } catch {
      ok = false
    }
    if (!ok) throw new ShimError('forbidden', 'The control page answers its own origin only; open it from the codex-shim address itself.')
  }
  // Sent by browsers only. `same-site` is another port on the same host: refused for the same reason.
  const site = request.headers.get('sec-fetch-site')
  if (site !== null && site !== 'same-origin' && site !== 'none') {
    throw new ShimError('forbidden', 'The control page answers its own origin only; open it from the codex-shim address itself.')
  }
}

/** A page may be opened in a tab, never framed, embedded or loaded as a script (Sec-Fetch-Dest, when a browser sends it). */
export function checkPageLoad(request: Request): void {
  const dest = request.headers.get('sec-fetch-dest')
  if (dest !== null && dest !== 'document') throw new ShimError('forbidden', 'The control page can only be opened as a page.')
  const site = request.headers.get('sec-fetch-site')
  const mode = request.headers.get('sec-fetch-mode')
  // Following a link from another local page is fine (the page is not readable across origins); anything else is not.
  if (site !== null && site !== 'same-origin' && site !== 'none' && mode !== 'navigate') {
    throw new ShimError('forbidden', 'The control page can only be opened as a page.')
  }
}

/** With CODEX_SHIM_TOKEN set, `/api/*` needs it too, as `Authorization: Bearer`. */
export function checkApiToken(request: Request, token: string | undefined): void {
  if (!token) return
  const authorization = request.headers.get('authorization')
  const given = authorization?.toLowerCase().startsWith('bearer ') ? authorization.slice(7).trim() : null
  if (!sameSecret(given, token)) {
    throw new ShimError('unauthorized', given ? 'Invalid codex-shim token.' : 'This codex-shim requires its token (CODEX_SHIM_TOKEN): send Authorization: Bearer <token>.')
  }
}

/** State changes also need the per-process token only the page itself carries. */
export function checkPageToken(request: Request, pageToken: string): void {
  const given = request.headers.get(PAGE_TOKEN_HEADER)
  if (!sameSecret(given, pageToken)) {
    throw new ShimError('forbidden', given ? 'Stale or wrong page token: reload the control page.' : 'Missing page token: switch models from the control page or with `codex-shim model use`.')
  }
}

/**
 * An /api answer made beside the page's own routes (the usage summary, which the server mounts
 * apart so the ledger code loads only when asked): the same origin rule and the same headers.
 */
export async function asPageApi(request: Request, answer: () => Promise<Response>): Promise<Response> {
  try {
    checkSameOrigin(request)
  } catch (error) {
    if (error instanceof ShimError) return apiError(error)
    throw error
  }
  const response = await answer()
  for (const [name, value] of Object.entries(API_HEADERS)) response.headers.set(name, value)
  return response
}
