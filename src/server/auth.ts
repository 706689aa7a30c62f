import { ShimError } from '../errors.ts'
import { sameSecret } from '../ui/same-secret.ts'

/** The token a request presents: `Authorization: Bearer …` (OpenAI clients) or `x-api-key` (Anthropic clients). */
function presented(request: Request): string | null {
  const authorization = request.headers.get('authorization')
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim()
  return request.headers.get('x-api-key')
}

/** Whether the request presents `token` (compared in constant time). */
export function presentsToken(request: Request, token: string): boolean {
  return sameSecret(presented(request), token)
}

/**
 * What stays open with a token configured: the liveness check, and the page's
 * shell, which holds no data and asks for the token itself (its data comes
 * from `/api/*`). Everything else requires it, whatever the path: a list of
 * what to guard missed `/chat/completions` and `/responses/{id}` without `/v1`.
 */
const PUBLIC_PATHS = new Set(['/health', '/', '/picker'])

/**
 * With a token configured, every route but PUBLIC_PATHS requires it, compared
 * in constant time. Without one (the loopback default), nothing is required.
 */
export function checkToken(request: Request, path: string, token: string | undefined): void {
  if (!token || PUBLIC_PATHS.has(path)) return
  const given = presented(request)
  if (!sameSecret(given, token)) throw new ShimError('unauthorized', given ? 'Invalid codex-shim token.' : 'This codex-shim requires a token: send Authorization: Bearer <token> (or x-api-key).')
}
