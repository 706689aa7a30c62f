import type { Server } from 'bun'
import { ShimError, toShimError } from '../errors.ts'
import { responsesErrorResponse } from '../dialects/responses/errors.ts'
import type { ResolveHints, Resolver } from '../routing/resolve.ts'
import { classifierContext, serverCallContext, type RouteHandler, type ServerDeps } from './context.ts'
import { checkToken } from './auth.ts'
import { checkRequest } from './guard.ts'
import { lazyRoute, once } from './lazy-routes.ts'
import { plainPathname } from './pathname.ts'
import { BodyTracker, logRequestLine, type RequestSummary } from './request-log.ts'
import { connectionIdleSeconds } from './context.ts'
import { health, models, root } from './routes/info.ts'
import { CircuitBreaker } from '../routing/breaker.ts'
import { ModelList } from '../routing/model-list.ts'
import { RequestRing } from '../ui/request-ring.ts'
import { storeLimitsFromEnv } from '../responses-store/options.ts'
import { ResponseStore } from '../responses-store/store.ts'
import type { UpstreamStore } from '../responses-store/handlers.ts'
import { noopLedger } from '../usage/ledger.ts'
import { rowOf } from '../usage/row.ts'

// What /health does not need loads on first use (lazy-routes.ts): each client route's module
// with its dialect and providers, the control page, stored responses, Anthropic-shaped errors.
const chatCompletions = lazyRoute(() => import('./routes/chat-completions.ts').then((m) => m.chatCompletions))
const messagesRoutes = once(() => import('./routes/messages.ts'))
const messagesErrors = once(() => import('../dialects/messages/from-events.ts'))
const storedResponses = once(() => import('../responses-store/handlers.ts'))
const upstreamResponses = once(() => import('./upstream-responses.ts'))

const ROUTES: Record<string, RouteHandler> = {
  'GET /health': health,
  'GET /v1/models': models,
  'POST /v1/responses': lazyRoute(() => import('./routes/responses.ts').then((m) => m.responses)),
  'POST /v1/responses/compact': lazyRoute(() => import('./routes/compact.ts').then((m) => m.compact)),
  'POST /v1/chat/completions': chatCompletions,
  'POST /v1/messages': lazyRoute(() => messagesRoutes().then((m) => m.messages)),
  'POST /v1/messages/count_tokens': lazyRoute(() => messagesRoutes().then((m) => m.countTokens)),
}

/** The control page and its APIs (`GET /`, `/picker`, `/api/*`), on the same guard as every route. */
async function pageRoutes(deps: ServerDeps, models: ModelList, ring: RequestRing, breaker: CircuitBreaker): Promise<Record<string, RouteHandler>> {
  const [{ createUiRoutes, UI_ROUTES }, { uiDepsFromHost }] = await Promise.all([import('../ui/api.ts'), import('../ui/server-deps.ts')])
  const ui = createUiRoutes(
    uiDepsFromHost(
      {
        settings: deps.settings,
        version: deps.version,
        startedAt: deps.startedAt,
        port: deps.port,
        // Read per request: `start --tunnel` sets the token after start-up.
        get token() {
          return deps.token
        },
        models: () => models.all(),
        subscription: () => models.subscription(),
        chatgpt: deps.chatgpt,
        coolingDown: () => breaker.coolingDown().map(({ slug, until }) => ({ slug, until: new Date(until).toISOString() })),
        cursorPassthrough: () => models.cursorPassthrough(),
      },
      ring,
    ),
  )
  return Object.fromEntries(
    UI_ROUTES.map((key): [string, RouteHandler] => [
      key,
      (context) => {
        if (key === 'GET /api/requests/stream') context.keepAlive()
        // Programs asking for the root (curl, probes) still get the endpoint list as JSON.
        if (key === 'GET /' && !context.request.headers.get('accept')?.includes('text/html')) return root()
        return ui[key](context.request)
      },
    ]),
  )
}

/**
 * The resolution hook: the model list's own resolve, behind the auto router
 * when one is configured and enabled. Without a router this is the model
 * list's resolve and nothing more. The classifier is called through the
 * provider registry like any model, with the server's fetch and limits.
 */
function createResolver(deps: ServerDeps, models: ModelList): Resolver {
  // The hints carry the client's headers down: the ChatGPT plan's list depends on the Codex asking.
  const resolveModel = (slug: string, hints?: ResolveHints) => models.resolve(slug, hints)
  const settings = deps.settings.router
  if (!settings?.enabled) return resolveModel
  const log = deps.log.withTag('router')
  // The switch is read as the server starts, like the rest of its settings, not when the router first loads.
  const env = { CODEX_SHIM_DISABLE_ROUTER: process.env.CODEX_SHIM_DISABLE_ROUTER }
  const routed = once(async () => {
    const { createRouter, providerClassifier, routerWrap } = await import('../routing/router.ts')
    const router = createRouter({
      settings,
      log,
      timeoutMs: deps.classifierTimeoutMs,
      open: providerClassifier({ resolve: resolveModel, context: (signal) => classifierContext(deps, signal, log) }),
    })
    return routerWrap(resolveModel, router, { log, env })
  })
  return async (requested, hints) => (await routed())(requested, hints)
}

/** The API's own paths without `/v1`, as clients configured with a bare base URL send them. */
const UNVERSIONED = /^\/(?:models|chat\/completions|responses|messages)(?:\/|$)/

/**
 * Strips the trailing slash and tolerates clients that add `/v1` twice or not
 * at all: every spelling becomes the one `/v1` path, which the route table and
 * the token check (auth.ts) then see alike.
 */
export function routePath(pathname: string): string {
  const trimmed = pathname.length > 1 && pathname.endsWith('/') ? pathname.replace(/\/+$/, '') : pathname
  if (trimmed.startsWith('/v1/v1/')) return trimmed.slice(3)
  if (UNVERSIONED.test(trimmed)) return `/v1${trimmed}`
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
  const resolve = createResolver(deps, models)
  const breaker = deps.breaker ?? new CircuitBreaker({ log: deps.log.withTag('breaker') })
  const ring = deps.ring ?? new RequestRing()
  const store = new ResponseStore(storeLimitsFromEnv())
  const ledger = deps.ledger ?? noopLedger()
  const usageRoute = lazyRoute(() => Promise.all([import('../usage/api.ts'), import('../ui/security.ts')]).then(([usage, page]) => (context): Promise<Response> => page.asPageApi(context.request, () => usage.usageApi(ledger, context.url))))
  const routes: Record<string, RouteHandler> = { ...ROUTES, 'GET /api/usage': usageRoute }
  // The control page's routes join the table on the first request the table does not answer.
  const withPages = once(async () => Object.assign(routes, await pageRoutes(deps, models, ring, breaker)))
  // The end of every request: one log line, one ledger row, one line on the control page.
  const finished = (summary: RequestSummary) => {
    logRequestLine(deps.log, summary)
    if (!summary.dialect) return
    const durationMs = performance.now() - summary.startedAt
    const ttftMs = summary.firstByteAt === undefined ? null : summary.firstByteAt - summary.startedAt
    const status = summary.outcome === 'client-closed' ? 499 : (summary.status ?? 0)
    const row = rowOf({
      startedAt: summary.startedAtMs,
      durationMs,
      ttftMs,
      dialect: summary.dialect,
      slug: summary.slug ?? '-',
      provider: summary.provider ?? '-',
      upstreamHost: summary.upstreamHost ?? null,
      servedModel: summary.servedModel ?? null,
      status,
      errorCode: summary.errorCode ?? null,
      usage: summary.usage as never,
      usageDialect: summary.usageDialect,
      bytesIn: summary.bytesIn ?? 0,
      bytesOut: summary.bytesOut ?? 0,
      price: summary.price as never,
      routedBy: summary.routedBy ?? null,
      headers: summary.headers ?? new Headers(),
    })
    ledger.append(row)
    ring.push({
      time: new Date(summary.startedAtMs).toISOString(),
      dialect: summary.dialect,
      slug: summary.slug ?? null,
      upstream: summary.upstream ?? null,
      status,
      duration_ms: Math.round(durationMs),
      ttft_ms: ttftMs === null ? null : Math.round(ttftMs),
      tokens: row.input_tokens === null && row.output_tokens === null ? null : { input: row.input_tokens ?? 0, output: row.output_tokens ?? 0, ...(row.cached_input_tokens ? { cached: row.cached_input_tokens } : {}), ...(row.reasoning_tokens ? { reasoning: row.reasoning_tokens } : {}) },
    })
  }
  // Responses an upstream stored (its fast path passed them through): retrieval is asked of it.
  const upstreamStore = async (request: Request, keepAlive: () => void): Promise<UpstreamStore | undefined> => {
    const { forwardStored, isMirror, stateKeepers } = await upstreamResponses()
    const keepers = stateKeepers(deps.settings)
    if (!keepers.length) return undefined
    return { mirrors: isMirror, forward: (call) => forwardStored(call, keepers, { ...serverCallContext(deps, request.signal, deps.log, 'a stored response'), keepAlive }) }
  }
  return async function handle(request: Request, server?: Server<unknown>): Promise<Response> {
    let parsed: URL | undefined
    const urlOf = () => (parsed ??= new URL(request.url))
    const pathname = plainPathname(request.url) ?? urlOf().pathname
    const summary: RequestSummary = { method: request.method, path: pathname, startedAt: performance.now(), startedAtMs: Date.now(), headers: request.headers }
    let response: Response
    const tracker = new BodyTracker(summary, finished)
    try {
      checkRequest(request, deps.allowedHosts)
      const method = request.method === 'HEAD' ? 'GET' : request.method
      if (method === 'OPTIONS') {
        // No CORS headers: a browser's preflight fails, which is the point.
        response = new Response(null, { status: 204 })
      } else {
        const path = routePath(pathname)
        checkToken(request, path, deps.token)
        const key = `${method} ${path}`
        if (!Object.hasOwn(routes, key)) await withPages()
        const handler = Object.hasOwn(routes, key) ? routes[key] : undefined
        const keepAlive = () => {
          if (tracker.onEnd) return
          server?.timeout(request, 0)
          // A stream lifts the connection's idle limit; once it ends, a kept-alive connection gets it
          // back, or the client's idle sockets would stay open for good.
          tracker.onEnd = () => restoreIdleLimit(server, request, idleSeconds)
        }
        // A replay of a stored response streams (forwarded upstream, it may wait on a background response).
        if (!handler) summary.stream = urlOf().searchParams.get('stream') === 'true'
        const stored = handler ? null : await (await storedResponses()).routeStoredResponses(store, new Request(new URL(path + urlOf().search, urlOf()).href, { method: request.method }), await upstreamStore(request, keepAlive))
        if (stored) response = stored
        else {
          if (!handler) {
            const known = Object.keys(routes).some((key) => key.endsWith(` ${path}`))
            throw known
              ? new ShimError('bad_request', `Method ${request.method} is not allowed on ${path}.`, { status: 405 })
              : new ShimError('not_found', `No route ${request.method} ${pathname}. Try POST /v1/responses or GET /v1/models.`)
          }
          response = await handler({
            request,
            get url() {
              return urlOf()
            },
            deps,
            models,
            resolve,
            breaker,
            store,
            summary,
            tracker,
            keepAlive,
          })
        }
      }
      if (request.method === 'HEAD') response = new Response(null, { status: response.status, headers: response.headers })
    } catch (error) {
      const shimError = toShimError(error)
      if (!(error instanceof ShimError)) deps.log.error(`${request.method} ${pathname}: unexpected error`, error)
      // Errors in the caller's own dialect: Anthropic clients get Anthropic's shape.
      response = pathname.includes('/messages') || (pathname.endsWith('/models') && request.headers.has('anthropic-version')) ? (await messagesErrors()).messagesErrorResponse(shimError) : responsesErrorResponse(shimError)
      summary.outcome = error instanceof ShimError ? shimError.kind : 'internal_error'
    }
    return tracker.finish(response)
  }
}

