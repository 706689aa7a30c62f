import { ledgerDisabledByEnv, openLedger, type Ledger } from '../usage/ledger.ts'
import { chatgptDisabled } from '../chatgpt/auth.ts'
import { ChatgptService } from '../chatgpt/service.ts'
import { log } from '../log.ts'
import type { Settings } from '../settings/schema.ts'
import { maxUpstreamRequests, runningUpstreamCap } from '../upstream/max-requests.ts'
import { retryPolicyFromEnv } from '../upstream/retry.ts'
import { VERSION } from '../version.ts'
import { createHandler } from './app.ts'
import { maxBodyBytes } from './body.ts'
import { connectionIdleSeconds, type ServerDeps } from './context.ts'
import { buildHostAllowlist, hostHeaderProblem } from './guard.ts'
import { once } from './lazy-routes.ts'
import { formatSummary } from './request-log.ts'
import { responsesErrorResponse } from '../dialects/responses/errors.ts'
import { ShimError } from '../errors.ts'

export const DEFAULT_IDLE_TIMEOUT_MS = 300_000

export function idleTimeoutFromEnv(): number {
  const value = Number(process.env.CODEX_SHIM_IDLE_TIMEOUT_MS)
  return Number.isFinite(value) && value >= 0 && process.env.CODEX_SHIM_IDLE_TIMEOUT_MS ? value : DEFAULT_IDLE_TIMEOUT_MS
}

/**
 * The usage ledger, opened (file, schema, first prune) by the first row or
 * read rather than at start-up; `close` on a ledger never opened writes nothing.
 */
export function ledgerOnFirstUse(open: () => Ledger = openLedger): Ledger {
  let ledger: Ledger | null = null
  const opened = () => (ledger ??= open())
  return {
    enabled: !ledgerDisabledByEnv(),
    append: (row) => opened().append(row),
    flush: (limit) => ledger?.flush(limit) ?? 0,
    summarise: (query) => opened().summarise(query),
    stats: () => ledger?.stats() ?? { queued: 0, dropped: 0, written: 0 },
    close: () => ledger?.close(),
  }
}

/** Codex's catalog (`/v1/models?client_version=`): its modules and Codex's own prompt load with the first request for it. */
function catalogOnFirstUse(settings: Settings, chatgpt: ChatgptService | null): ServerDeps['catalog'] {
  const build = once(async () => {
    const [{ ModelList }, { pickBaseInstructions, readBundledCatalog }, { FALLBACK_INSTRUCTIONS }] = await Promise.all([
      import('../routing/model-list.ts'),
      import('../codex/bundled.ts'),
      import('../codex/catalog.ts'),
    ])
    const models = new ModelList(settings, { chatgpt })
    // Read from the installed Codex once (it spawns `codex`).
    const instructions = pickBaseInstructions(readBundledCatalog()) ?? FALLBACK_INSTRUCTIONS
    return () => models.catalog(instructions)
  })
  return async () => (await build())()
}

/** Deps for a real server; tests build their own. */
export function createDeps(settings: Settings, options: { host: string; port: number }): ServerDeps {
  const chatgpt = chatgptDisabled() ? null : new ChatgptService()
  return {
    chatgpt,
    // Rows are queued in memory and written every 250 ms off the request path.
    ledger: ledgerOnFirstUse(),
    settings,
    version: VERSION,
    startedAt: Date.now(),
    bindHost: options.host,
    port: options.port,
    allowedHosts: buildHostAllowlist(options.host),
    log: log.withTag('proxy'),
    fetch: globalThis.fetch,
    idleTimeoutMs: idleTimeoutFromEnv(),
    retry: retryPolicyFromEnv(),
    token: process.env.CODEX_SHIM_TOKEN || undefined,
    catalog: catalogOnFirstUse(settings, chatgpt),
  }
}

export function startServer(settings: Settings, options: { host: string; port: number }) {
  const deps = createDeps(settings, options)
  const handle = createHandler(deps)
  const proxyLog = log.withTag('proxy')
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    // A backstop only: the body reader counts (and, for compressed bodies, inflates) as bytes
    // arrive and answers 413 in the client's shape at the limit; Bun's own 413 has no body.
    maxRequestBodySize: 2 * maxBodyBytes() + 1024 * 1024,
    // Bun's default idle timeout is 10 s; streams opt out per request via keepAlive().
    idleTimeout: connectionIdleSeconds(),
    fetch: (request, srv) => {
      // Checked before anything builds a URL from it: a malformed Host would otherwise be a 500.
      const problem = hostHeaderProblem(request.headers.get('host'))
      return problem ? badHost(request, problem, deps.port, proxyLog) : handle(request, srv)
    },
    error: (error) => {
      log.error('server error:', error.message)
      return new Response(JSON.stringify({ error: { message: 'Internal error in codex-shim.', type: 'server_error' } }), { status: 500, headers: { 'content-type': 'application/json' } })
    },
  })
  deps.port = server.port ?? options.port
  const cap = runningUpstreamCap()
  if (cap < maxUpstreamRequests()) proxyLog.info(`This process allows ${cap} upstream requests at once (BUN_CONFIG_MAX_HTTP_REQUESTS was not set when it started); the daemon (\`codex-shim start\`) allows ${maxUpstreamRequests()}, set by CODEX_SHIM_MAX_UPSTREAM_REQUESTS.`)
  return { server, deps }
}

function badHost(request: Request, problem: string, port: number, proxyLog: typeof log): Response {
  const startedAt = performance.now()
  proxyLog.info(formatSummary({ method: request.method, path: '-', status: 400, outcome: 'bad_host', startedAt, startedAtMs: Date.now() }))
  return responsesErrorResponse(new ShimError('bad_request', `${problem} Send one Host header naming this server, such as 127.0.0.1:${port}.`))
}
