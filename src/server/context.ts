import type { ConsolaInstance } from 'consola'
import type { ChatgptService } from '../chatgpt/service.ts'
import type { RetryPolicy } from '../providers/retry.ts'
import type { ProviderContext } from '../providers/types.ts'
import type { Settings } from '../settings/schema.ts'
import type { RequestSummary } from './request-log.ts'

/** Everything the handler needs, injected so tests run it in-process. */
export interface ServerDeps {
  settings: Settings
  version: string
  startedAt: number
  bindHost: string
  port: number
  allowedHosts: Set<string>
  log: ConsolaInstance
  /** Upstream fetch; tests may wrap it. */
  fetch: typeof fetch
  /** The Codex model catalog (`{models:[…]}`), built lazily and cached. */
  catalog: () => Promise<{ models: unknown[] }>
  /** No bytes from the upstream for this long ends the stream with an error. */
  idleTimeoutMs: number
  /** Retries before the first byte (CODEX_SHIM_RETRIES). */
  retry: RetryPolicy
  /** When set, `/v1/*` requires it (CODEX_SHIM_TOKEN). */
  token?: string
  /** The ChatGPT subscription passthrough; null when disabled. */
  chatgpt: ChatgptService | null
}

export interface RouteContext {
  request: Request
  url: URL
  deps: ServerDeps
  summary: RequestSummary
  /** Disables Bun's per-request idle timeout for long streams. */
  keepAlive: () => void
}

export type RouteHandler = (context: RouteContext) => Promise<Response> | Response

/** What a provider gets from one client request (abort signal, fetch, log, limits, client headers). */
export function providerContext(context: RouteContext): ProviderContext {
  return {
    signal: context.request.signal,
    fetch: context.deps.fetch,
    log: context.deps.log,
    idleTimeoutMs: context.deps.idleTimeoutMs,
    clientHeaders: context.request.headers,
    retry: context.deps.retry,
    onRetry: (why) => {
      context.summary.retries = (context.summary.retries ?? 0) + 1
      context.deps.log.debug(`retrying ${context.summary.upstream ?? 'upstream'} before the first byte: ${why}`)
    },
  }
}

/** How long an idle client connection is kept open (CODEX_SHIM_CONNECTION_IDLE_SECONDS, default 120). */
export function connectionIdleSeconds(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.CODEX_SHIM_CONNECTION_IDLE_SECONDS)
  return Number.isInteger(value) && value > 0 && value <= 255 ? value : 120
}
