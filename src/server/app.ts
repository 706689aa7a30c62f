import type { Server } from 'bun'
import { ShimError, toShimError } from '../errors.ts'
import { responsesErrorResponse } from '../dialects/responses/errors.ts'
import type { Resolver, RouteHandler, ServerDeps } from './context.ts'
import { checkToken } from './auth.ts'
import { checkRequest } from './guard.ts'
import { logWhenDone, type RequestSummary } from './request-log.ts'
import { connectionIdleSeconds } from './context.ts'
import { chatCompletions } from './routes/chat-completions.ts'
import { health, models, root } from './routes/info.ts'
import { countTokens, messages } from './routes/messages.ts'
import { messagesErrorResponse } from '../dialects/messages/from-events.ts'
import { ModelList } from '../routing/model-list.ts'
import { compact } from './routes/compact.ts'
import { responses } from './routes/responses.ts'

const ROUTES: Record<string, RouteHandler> = {
  'GET /health': health,
  'GET /v1/models': models,
  'GET /models': models,
  'POST /v1/responses': responses,
  'POST /v1/responses/compact': compact,
  'POST /v1/chat/completions': chatCompletions,
  'POST /chat/completions': chatCompletions,
  'POST /v1/messages': messages,
  'POST /v1/messages/count_tokens': countTokens,
  'GET /': root,
}

/** Strips the trailing slash and tolerates clients that add `/v1` twice or not at all. */
function routePath(pathname: string): string {
  const trimmed = pathname.length > 1 ? pathname.replace(/\/+$/, '') : pathname
  if (trimmed.startsWith('/v1/v1/')) return trimmed.slice(3)
  if (trimmed === '/responses' || trimmed === '/responses/compact') return `/v1${trimmed}`
  return trimmed
}

function restoreIdleLimit(server: Server<unknown> | undefined, request: Request, seconds: number): void {
  try {
    server?.timeout(request, seconds)
  } catch {
    // The connection is already gone.
  }
}

/**
 * The whole proxy as one function, `Request → Response`: tests call it
 * in-process; `serve.ts` hands it to `Bun.serve`. Every error becomes a JSON
 * answer here; the server never throws to Bun.
 */
export function createHandler(deps: ServerDeps) {
  const idleSeconds = connectionIdleSeconds()
  const models = new ModelList(deps.settings, { chatgpt: deps.chatgpt })
  const resolve: Resolver = (requested) => models.resolve(requested)
  return async function handle(request: Request, server?: Server<unknown>): Promise<Response> {
    const url = new URL(request.url)
    const summary: RequestSummary = { method: request.method, path: url.pathname, startedAt: performance.now() }
    let response: Response
    let streaming = false
    try {
      checkRequest(request, deps.allowedHosts)
      const method = request.method === 'HEAD' ? 'GET' : request.method
      if (method === 'OPTIONS') {
        // No CORS headers: a browser's preflight fails, which is the point.
        response = new Response(null, { status: 204 })
      } else {
        const path = routePath(url.pathname)
        checkToken(request, path, deps.token)
        const handler = ROUTES[`${method} ${path}`]
        if (!handler) {
          const known = Object.keys(ROUTES).some((key) => key.endsWith(` ${path}`))
          throw known
            ? new ShimError('bad_request', `Method ${request.method} is not allowed on ${path}.`, { status: 405 })
            : new ShimError('not_found', `No route ${request.method} ${url.pathname}. Try POST /v1/responses or GET /v1/models.`)
        }
        response = await handler({
          request,
          url,
          deps,
          models,
          resolve,
          summary,
          keepAlive: () => {
            streaming = true
            server?.timeout(request, 0)
          },
        })
      }
      if (request.method === 'HEAD') response = new Response(null, { status: response.status, headers: response.headers })
    } catch (error) {
      const shimError = toShimError(error)
      if (!(error instanceof ShimError)) deps.log.error(`${request.method} ${url.pathname}: unexpected error`, error)
      // Errors in the caller's own dialect: Anthropic clients get Anthropic's shape.
      response = url.pathname.includes('/messages') || (url.pathname.endsWith('/models') && request.headers.has('anthropic-version')) ? messagesErrorResponse(shimError) : responsesErrorResponse(shimError)
      summary.outcome = shimError.kind
    }
    // A stream lifts the connection's idle limit; once it ends, a kept-alive connection gets it back,
    // or the client's idle sockets would stay open for good.
    return logWhenDone(response, summary, deps.log, streaming ? () => restoreIdleLimit(server, request, idleSeconds) : undefined)
  }
}

