import type { Server } from 'bun'
import { chatgptLoginUsable } from '../chatgpt/login-file.ts'
import { responsesErrorResponse } from '../dialects/responses/errors.ts'
import { ShimError } from '../errors.ts'
import { log } from '../log.ts'
import type { Settings } from '../settings/schema.ts'
import { maxUpstreamRequests, runningUpstreamCap } from '../upstream/max-requests.ts'
import { VERSION } from '../version.ts'
import { maxBodyBytes } from './body.ts'
import { connectionIdleSeconds, type ServerDeps } from './context.ts'
import { presentsToken } from './auth.ts'
import { buildHostAllowlist, checkRequest, hostHeaderProblem } from './guard.ts'
import { healthResponse, type HealthFacts } from './health.ts'
import { once } from './lazy-routes.ts'
import { plainPathname } from './pathname.ts'
import { BodyTracker, logRequestLine, type RequestSummary } from './request-log.ts'

type Handle = (request: Request, server?: Server<unknown>) => Promise<Response>

/** The lines written before the proxy loads, tagged as the loaded proxy tags its own. */
const proxyLog = log.withTag('proxy')
const logLine = (summary: RequestSummary) => logRequestLine(proxyLog, summary)

export interface StartedServer {
  server: Server<unknown>
  /** The Host allowlist, shared with the proxy: `start --tunnel` adds its public name after listening. */
  allowedHosts: Set<string>
  /** Requires this token on `/v1/*` from now on (`start --tunnel` makes one after listening). */
  requireToken(token: string): void
  /**
   * For a stop or restart: stops listening, ends every answer in flight with its dialect's error
   * event (clients retry, rather than see the connection cut), and waits up to `ms` for those
   * last bytes to go out.
   */
  drain(ms: number): Promise<void>
  /** Stops listening, then writes the ledger's last batch. */
  stop(): void
  /** The proxy behind the server, loaded now unless a request already loaded it. */
  proxy(): Promise<{ deps: ServerDeps; handle: Handle }>
}

/**
 * Listens at once and answers `/health` from what is already known; the
 * proxy itself (routes, dialects, the ChatGPT service, the ledger, the
 * model list) loads with the first other request. `start` waits on
 * `/health`, so a start reads none of that code, and until a request has
 * run, nothing it would report has happened: no quota seen, no Cursor
 * listing, no stored response, no model cooling down.
 */
export function startServer(settings: Settings, options: { host: string; port: number }): StartedServer {
  const startedAt = Date.now()
  const allowedHosts = buildHostAllowlist(options.host)
  let token = process.env.CODEX_SHIM_TOKEN || undefined
  let loaded: { deps: ServerDeps; handle: Handle } | null = null
  const proxy = once(async () => {
    const [{ createDeps }, { createHandler }] = await Promise.all([import('./deps.ts'), import('./app.ts')])
    const deps = createDeps(settings, { host: options.host, port: server.port ?? options.port, startedAt, allowedHosts, token })
    return (loaded = { deps, handle: createHandler(deps) })
  })
  // Before the proxy loads, only the login can change what /health says: it is read per answer.
  const facts = (chatgptUsable: boolean): HealthFacts => ({
    version: VERSION,
    startedAt,
    models: settings.models.length,
    chatgptUsable: () => chatgptUsable,
    quota: () => null,
    cursorPassthrough: () => false,
    store: () => ({ entries: 0, bytes: 0 }),
    coolingDown: () => [],
  })
  const server: Server<unknown> = Bun.serve({
    hostname: options.host,
    port: options.port,
    // A backstop only: the body reader counts (and, for compressed bodies, inflates) as bytes
    // arrive and answers 413 in the client's shape at the limit; Bun's own 413 has no body.
    maxRequestBodySize: 2 * maxBodyBytes() + 1024 * 1024,
    // Bun's default idle timeout is 10 s; streams opt out per request via keepAlive().
    idleTimeout: connectionIdleSeconds(),
    // Bun's development mode is on unless NODE_ENV=production, compiled binary or not: it is for
    // debugging apps (Bun's own error pages, with stack traces) and costs a little on every request.
    development: false,
    fetch: (request, srv): Response | Promise<Response> => {
      // Checked before anything builds a URL from it: a malformed Host would otherwise be a 500.
      const problem = hostHeaderProblem(request.headers.get('host'))
      if (problem) return badHost(request, problem, server.port ?? options.port)
      if (loaded) return loaded.handle(request, srv)
      // `/health` spelled plainly (a query aside); its other spellings go to the proxy's router.
      if (request.method === 'GET' && plainPathname(request.url) === '/health') {
        if (allowed(request, allowedHosts)) return earlyHealth(request, facts, !token || presentsToken(request, token))
      }
      return proxy().then(({ handle }) => handle(request, srv))
    },
    error: (error) => {
      log.error('server error:', error.message)
      return new Response(JSON.stringify({ error: { message: 'Internal error in codex-shim.', type: 'server_error' } }), { status: 500, headers: { 'content-type': 'application/json' } })
    },
  })
  const cap = runningUpstreamCap()
  if (cap < maxUpstreamRequests()) proxyLog.info(`This process allows ${cap} upstream requests at once (BUN_CONFIG_MAX_HTTP_REQUESTS was not set when it started); the daemon (\`codex-shim start\`) allows ${maxUpstreamRequests()}, set by CODEX_SHIM_MAX_UPSTREAM_REQUESTS.`)
  return {
    server,
    allowedHosts,
    requireToken: (value) => {
      token = value
      if (loaded) loaded.deps.token = value
    },
    drain: async (ms) => {
      void server.stop(false)
      if (!loaded) return // nothing was served: no answer can be in flight
      const [{ endOpenBodies }, { runShutdownHooks }] = await Promise.all([import('../sse/idle.ts'), import('../shutdown.ts')])
      // Runs of ours to stop, the control page's live streams to close: none of them is waited on by name.
      const hooks = runShutdownHooks(ms)
      const open = endOpenBodies(new ShimError('upstream_stream', 'codex-shim is stopping (codex-shim stop or restart); send the request again.', { status: 503 }))
      if (open) proxyLog.info(`Ended ${open === 1 ? 'the answer' : `${open} answers`} in flight with an error event, so clients retry.`)
      for (const deadline = Date.now() + ms; server.pendingRequests > 0 && Date.now() < deadline; ) await Bun.sleep(10)
      await hooks
    },
    stop: () => {
      server.stop(true)
      // The ledger's last batch: a kill -9 loses at most this (documented in the README).
      loaded?.deps.ledger?.close()
    },
    proxy,
  }
}

/** Whether the guard lets the request through; a refused one goes to the proxy, which answers the refusal. */
function allowed(request: Request, allowedHosts: Set<string>): boolean {
  try {
    checkRequest(request, allowedHosts)
    return true
  } catch {
    return false
  }
}

/** The health answer before the proxy has loaded, logged like any request. */
async function earlyHealth(request: Request, facts: (chatgptUsable: boolean) => HealthFacts, full: boolean): Promise<Response> {
  const summary = { method: request.method, path: '/health', startedAt: performance.now(), startedAtMs: Date.now() }
  const health = healthResponse(facts(await chatgptLoginUsable()), full)
  return new BodyTracker(summary, logLine).finish(health)
}

function badHost(request: Request, problem: string, port: number): Response {
  const startedAt = performance.now()
  logLine({ method: request.method, path: '-', status: 400, outcome: 'bad_host', startedAt, startedAtMs: Date.now() })
  return responsesErrorResponse(new ShimError('bad_request', `${problem} Send one Host header naming this server, such as 127.0.0.1:${port}.`))
}
