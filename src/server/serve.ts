import { pickBaseInstructions, readBundledCatalog } from '../codex/bundled.ts'
import { FALLBACK_INSTRUCTIONS } from '../codex/catalog.ts'
import { ModelList } from '../routing/model-list.ts'
import { openLedger } from '../usage/ledger.ts'
import { chatgptDisabled } from '../chatgpt/auth.ts'
import { ChatgptService } from '../chatgpt/service.ts'
import { log } from '../log.ts'
import type { Settings } from '../settings/schema.ts'
import { retryPolicyFromEnv } from '../upstream/retry.ts'
import { VERSION } from '../version.ts'
import { createHandler } from './app.ts'
import { maxBodyBytes } from './body.ts'
import { connectionIdleSeconds, type ServerDeps } from './context.ts'
import { buildHostAllowlist } from './guard.ts'

export const DEFAULT_IDLE_TIMEOUT_MS = 300_000

export function idleTimeoutFromEnv(): number {
  const value = Number(process.env.CODEX_SHIM_IDLE_TIMEOUT_MS)
  return Number.isFinite(value) && value >= 0 && process.env.CODEX_SHIM_IDLE_TIMEOUT_MS ? value : DEFAULT_IDLE_TIMEOUT_MS
}

/** Deps for a real server; tests build their own. */
export function createDeps(settings: Settings, options: { host: string; port: number }): ServerDeps {
  let instructions: string | null = null
  const chatgpt = chatgptDisabled() ? null : new ChatgptService()
  const models = new ModelList(settings, { chatgpt })
  return {
    chatgpt,
    // Rows are queued in memory and written every 250 ms off the request path.
    ledger: openLedger(),
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
    // Codex's own prompt is read from the installed Codex once, on first use (it spawns `codex`).
    catalog: () => models.catalog((instructions ??= pickBaseInstructions(readBundledCatalog()) ?? FALLBACK_INSTRUCTIONS)),
  }
}

export function startServer(settings: Settings, options: { host: string; port: number }) {
  const deps = createDeps(settings, options)
  const handle = createHandler(deps)
  const server = Bun.serve({
    hostname: options.host,
    port: options.port,
    maxRequestBodySize: maxBodyBytes() + 1024,
    // Bun's default idle timeout is 10 s; streams opt out per request via keepAlive().
    idleTimeout: connectionIdleSeconds(),
    fetch: (request, srv) => handle(request, srv),
    error: (error) => {
      log.error('server error:', error.message)
      return new Response(JSON.stringify({ error: { message: 'Internal error in codex-shim.', type: 'server_error' } }), { status: 500, headers: { 'content-type': 'application/json' } })
    },
  })
  deps.port = server.port ?? options.port
  return { server, deps }
}
