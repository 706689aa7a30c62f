import type { Log } from '../log.ts'
import { isClientClosed, ShimError } from '../errors.ts'
import type { CircuitBreaker } from './breaker.ts'
import type { Route } from './resolve.ts'

/**
 * Fallbacks and spill-over: a model (or alias) may name `"fallbacks": [slug, …]`,
 * tried in order when the chosen upstream fails before its first byte; after
 * them, the auto router's default when the router chose another model. Only
 * the opening of a request is ever retried elsewhere: once a byte has gone to
 * the client, replaying the turn on another model would duplicate output.
 */

/** The breaker's key: the configured model behind a route (aliases of one model share it). */
export const modelKey = (route: Route): string => route.model.slug

function largerContext(from: Route, to: Route): boolean {
  // Only a fallback that declares a bigger window can help; an unknown one might be smaller.
  const target = to.model.max_context_limit
  return target !== undefined && target > (from.model.max_context_limit ?? 0)
}

/** An HTTP answer that says "not now" rather than "not this request". */
/** A used-up quota (OpenAI's `insufficient_quota`, the ChatGPT plan's `usage_limit_reached`): waiting does not bring it back. */
export function isUsedUpQuota(error: ShimError): boolean {
  const code = error.details.code
  return code === 'usage_limit_reached' || code === 'insufficient_quota'
}

function httpOutage(error: ShimError): boolean {
  const { retryAfter } = error.details
  if (isUsedUpQuota(error)) return true
  if (error.status === 429) return retryAfter !== undefined
  return error.status >= 500 || error.status === 408
}

/**
 * Whether `error` from `from` should send the request on to `to`: the upstream
 * could not be reached or timed out, answered 5xx/408/529 after the retries,
 * a 429 whose retry-after is past the retry budget (it reached us with
 * `retryAfter` set), a used-up quota (`usage_limit_reached`, `insufficient_quota`),
 * or a context overflow when `to` declares a larger `max_context_limit`.
 */
export function isFallbackWorthy(error: unknown, from: Route, to: Route): boolean {
  if (!(error instanceof ShimError)) return false
  const kind = error.kind
  switch (kind) {
    case 'upstream_unreachable':
    case 'upstream_timeout':
      return true
    case 'upstream_http':
      return httpOutage(error)
    case 'context_length_exceeded':
      return largerContext(from, to)
    case 'upstream_stream':
      // A non-streamed answer that failed on length reaches us this way; anything else broke mid-stream.
      return error.details.code === 'context_length_exceeded' && largerContext(from, to)
    case 'bad_request':
    case 'unknown_model':
    case 'unauthorized':
    case 'forbidden':
    case 'not_found':
    case 'payload_too_large':
    case 'unsupported_media_type':
    case 'auth_expired':
    case 'config':
      return false
    default: {
      const unknown: never = kind
      return unknown
    }
  }
}

/** Failures that say the model is unavailable (they count towards its breaker); a too-long prompt does not. */
export function isOutage(error: unknown): boolean {
  if (!(error instanceof ShimError)) return false
  if (error.kind === 'upstream_unreachable' || error.kind === 'upstream_timeout') return true
  return error.kind === 'upstream_http' && httpOutage(error)
}

export interface AttemptControl {
  /** The last route of the chain: no fallback follows, so the caller may answer as it would without fallbacks (e.g. pass a 429 body through). */
  last: boolean
  /** Whether a later route would be tried for this error: when none would, the caller may answer as it would without fallbacks. */
  fallsBack(error: unknown): boolean
  /** Call once bytes may have reached the client: an error after that is rethrown, never retried elsewhere. */
  bytesSent(): void
}

export interface FallbackResult<T> {
  value: T
  /** The route that answered. */
  served: Route
  /** True when it is not the first route of the chain. */
  fellBack: boolean
}

function describe(error: unknown): string {
  return error instanceof ShimError ? `${error.kind}${error.details.status ? ` ${error.details.status}` : ''}${error.details.code ? ` ${error.details.code}` : ''}` : 'error'
}

/**
 * Tries the chain in order: the first route, then each fallback the last
 * failure makes worthwhile (isFallbackWorthy). Models whose breaker is open
 * are skipped (all of them open: the first is tried anyway, so a request
 * never fails untried). Rethrows the last error when all fail, and at once
 * for an error after `control.bytesSent()` or one no fallback can fix.
 */
export async function withFallbacks<T>(
  chain: readonly Route[],
  attempt: (route: Route, control: AttemptControl) => Promise<T>,
  options: { breaker?: CircuitBreaker; log?: Log } = {},
): Promise<FallbackResult<T>> {
  if (!chain.length) throw new Error('withFallbacks: empty chain') // a bug: resolution always yields a route
  const { breaker, log } = options
  const open = chain.filter((route) => !breaker || breaker.allows(modelKey(route)))
  for (const route of chain) if (!open.includes(route)) log?.info(`${modelKey(route)} is cooling down after repeated failures; skipped`)
  const order = open.length ? open : [chain[0]!]

  let failed: { route: Route; error: unknown } | null = null
  for (const [index, route] of order.entries()) {
    if (failed && !isFallbackWorthy(failed.error, failed.route, route)) continue
    // Half-open: one request probes a model whose cool-down is over; those arriving meanwhile pass it
    // by (unless it is their last choice: a request never fails untried).
    // The probe this attempt took, if it took one: only that is this attempt's to free.
    let probe: number | undefined
    if (breaker && open.length && index < order.length - 1) {
      if (!breaker.claim(modelKey(route))) {
        log?.info(`${modelKey(route)} is being tried again by another request after its cool-down; skipped`)
        continue
      }
      probe = breaker.probeOf(modelKey(route))
    }
    if (failed) log?.warn(`${modelKey(failed.route)} failed before its first byte (${describe(failed.error)}); falling back to ${modelKey(route)}`)
    let sent = false
    const later = order.slice(index + 1)
    const fallsBack = (error: unknown) => later.some((next) => isFallbackWorthy(error, route, next))
    try {
      const value = await attempt(route, { last: !later.length, fallsBack, bytesSent: () => (sent = true) })
      breaker?.success(modelKey(route))
      return { value, served: route, fellBack: route !== chain[0] }
    } catch (error) {
      if (breaker) report(breaker, modelKey(route), error, probe)
      if (sent) throw error
      // A fallback that cannot continue this conversation (the earlier response lives with the
      // upstream that failed): the client hears that upstream's outage, which it may retry, not
      // "not found", which would end the conversation.
      if (failed && cannotContinue(error)) throw failed.error
      failed = { route, error }
    }
  }
  throw failed!.error
}

/** What a failed attempt says about its model, for the breaker. */
function report(breaker: CircuitBreaker, slug: string, error: unknown, probe: number | undefined): void {
  // The client left before the model answered, the model was never asked (the conversation it was
  // to continue lives with another upstream), or codex-shim itself failed (a thrown bug, not a
  // ShimError): that says nothing about the model, up or down.
  if (!(error instanceof ShimError) || isClientClosed(error) || cannotContinue(error)) breaker.release(slug, probe)
  else if (isOutage(error)) breaker.failure(slug)
  // An error that is no outage (a 400, a refusal) is an answer: the model is up.
  else breaker.success(slug)
}

/** The earlier response this request continues is not here, or could not be read from the upstream holding it (responses-store/expand.ts). */
function cannotContinue(error: unknown): boolean {
  return error instanceof ShimError && (error.details.code === 'previous_response_not_found' || error.details.code === 'previous_response_unavailable')
}

/** Whether the route has any fallback: the pipeline builds a chain only then, so routes without any pay nothing. */
export function hasFallbacks(route: Route): boolean {
  return Boolean(route.routerDefault || (route.alias?.fallbacks ?? route.model.fallbacks)?.length)
}

/**
 * The route plus its fallbacks, resolved: an alias's own `fallbacks` win over
 * its model's. Each fallback keeps the client's name (`slug`), since the
 * client always sees the name it asked for, and says its own in `routedTo`
 * (the response header and the log line name what served). The client's
 * alias pins its options on every fallback too. The auto router's default
 * comes last, when the router chose another model. Unknown names and models
 * already in the chain are skipped (the former with a warning); a fallback's
 * own fallbacks are not followed (no chains of chains).
 */
export async function fallbackChain(route: Route, resolveModel: (slug: string) => Promise<Route>, log?: Log): Promise<Route[]> {
  const chain: Route[] = [route]
  const seen = new Set([modelKey(route)])
  const add = async (name: string, pins: (next: Route) => Route['alias']) => {
    try {
      const next = await resolveModel(name)
      if (seen.has(modelKey(next))) return
      seen.add(modelKey(next))
      chain.push({ ...next, alias: pins(next), slug: route.slug, routedTo: name, fallback: true })
    } catch (error) {
      if (!(error instanceof ShimError)) throw error
      log?.warn(`${modelKey(route)}: fallback "${name}" is not a known model; skipped`)
    }
  }
  for (const name of route.alias?.fallbacks ?? route.model.fallbacks ?? []) await add(name, (next) => pinsOf(route, next))
  // The router's default is the router's, not the chosen alias's: it keeps only its own pins.
  if (route.routerDefault) await add(route.routerDefault, (next) => next.alias)
  return chain
}

/** The client's alias pins what it names whichever model serves; a fallback that is an alias itself keeps its own pins for the rest. */
function pinsOf(route: Route, fallback: Route): Route['alias'] {
  return route.alias ? { ...fallback.alias, ...route.alias } : fallback.alias
}
