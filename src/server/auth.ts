import { ShimError } from '../errors.ts'

/** The token a request presents: `Authorization: Bearer …` (OpenAI clients) or `x-api-key` (Anthropic clients). */
function presented(request: Request): string | null {
  const authorization = request.headers.get('authorization')
  if (authorization?.toLowerCase().startsWith('bearer ')) return authorization.slice(7).trim()
  return request.headers.get('x-api-key')
}

/**
 * With a token configured, every `/v1/*` and `/api/*` route requires it,
 * compared in constant time. Without one (the loopback default), nothing is
 * required. The page itself (`/`) asks for the token and keeps it.
 */
export function checkToken(request: Request, path: string, token: string | undefined): void {
  if (!token || !(path.startsWith('/v1/') || path.startsWith('/api/'))) return
  const given = presented(request)
  const expected = Buffer.from(token)
  const actual = Buffer.from(given ?? '')
  const ok = actual.length === expected.length && crypto.timingSafeEqual(actual, expected)
  if (!ok) throw new ShimError('unauthorized', given ? 'Invalid codex-shim token.' : 'This codex-shim requires a token: send Authorization: Bearer <token> (or x-api-key).')
}
