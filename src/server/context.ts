import type { Log } from '../log.ts'
import type { ChatgptService } from '../chatgpt/service.ts'
import type { RequestContext } from '../providers/types.ts'
import type { CircuitBreaker } from '../routing/breaker.ts'
import type { ModelList } from '../routing/model-list.ts'
import type { Resolver } from '../routing/resolve.ts'
import type { Settings } from '../settings/schema.ts'
import { keyVariablesOf } from '../settings/secrets.ts'
import type { RetryPolicy } from '../upstream/retry.ts'
import type { ResponseStore } from '../responses-store/store.ts'
import type { RequestRing } from '../ui/request-ring.ts'
import type { Ledger } from '../usage/ledger.ts'
import type { RequestSummary } from './request-log.ts'
import type { StreamTracker } from '../sse/tracker.ts'

/** Everything the handler needs, injected so tests run it in-process. */
export interface ServerDeps {
  settings: Settings
  version: string
  startedAt: number
  bindHost: string
  port: number
  allowedHosts: Set<string>
  log: Log
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
  /** The usage ledger; none (nothing recorded) when absent. */
  ledger?: Ledger
  /** The control page's recent requests; one per handler when absent. */
  ring?: RequestRing
  /** Skips models that keep failing before their first byte; one per handler when absent. */
  breaker?: CircuitBreaker
  /** The auto router's classifier time limit (default 10 s). */
  classifierTimeoutMs?: number
}

export interface RouteContext {
  request: Request
  url: URL
  deps: ServerDeps
  /** Every model name from every source. */
  models: ModelList
  resolve: Resolver
  /** Per model: failures in a row before the first byte; open models are skipped while a fallback remains. */
  breaker: CircuitBreaker
  /** Stored Responses (memory only) for `previous_response_id`, `item_reference` and retrieval. */
  store: ResponseStore
  summary: RequestSummary
  /** Disables Bun's per-request idle timeout for long streams. */
  keepAlive: () => void
  /** Ends the request's log entry when its answer has been sent. */
  tracker?: StreamTracker
}

export type RouteHandler = (context: RouteContext) => Promise<Response> | Response

/** What the router's classifier call gets: the server's fetch, limits and services, none of the client's headers. */
export function classifierContext(deps: ServerDeps, signal: AbortSignal, log: Log): RequestContext {
  return serverCallContext(deps, signal, log, 'the classifier')
}

/** A call the server makes on its own account (the classifier, a stored response read upstream): none of the client's headers. */
export function serverCallContext(deps: ServerDeps, signal: AbortSignal, log: Log, what: string): RequestContext {
  return {
    signal,
    fetch: deps.fetch,
    log,
    idleTimeoutMs: deps.idleTimeoutMs,
    clientHeaders: new Headers(),
    retry: deps.retry,
    keepAlive: () => {},
    services: { chatgpt: deps.chatgpt, keyVariables: keyVariablesOf(deps.settings) },
    onRetry: (why) => log.debug(`retrying ${what} before its first byte: ${why}`),
  }
}

/** What a provider gets from one client request (abort signal, fetch, log, limits, client headers, services). */
export function requestContext(context: RouteContext): RequestContext {
  const { deps, summary } = context
  return {
    signal: context.request.signal,
    fetch: deps.fetch,
    log: deps.log,
    idleTimeoutMs: deps.idleTimeoutMs,
    clientHeaders: context.request.headers,
    retry: deps.retry,
    keepAlive: context.keepAlive,
    tracker: context.tracker,
    services: { chatgpt: deps.chatgpt, keyVariables: keyVariablesOf(deps.settings) },
    onContact: () => (summary.upstreamContacted = true),
    onRetry: (why) => {
      summary.retries = (summary.retries ?? 0) + 1
      deps.log.debug(`retrying ${summary.upstream ?? 'upstream'} before the first byte: ${why}`)
    },
  }
}

/** How long an idle client connection is kept open (CODEX_SHIM_CONNECTION_IDLE_SECONDS, default 120). */
export function connectionIdleSeconds(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.CODEX_SHIM_CONNECTION_IDLE_SECONDS)
  return Number.isInteger(value) && value > 0 && value <= 255 ? value : 120
}
