import type { Log } from '../log.ts'
import { aggregateEvents, unfinishedAnswerError } from '../canonical/aggregate.ts'
import type { ResponseObject, ResponsesRequest } from '../canonical/types.ts'
import { describeMs, ShimError } from '../errors.ts'
import { loadProvider } from '../providers/index.ts'
import type { RequestContext } from '../providers/types.ts'
import { buildClassifierRequest, parseScores, readTask, type TaskText } from './classifier.ts'
import { pinCanonical } from './pinned.ts'
import type { ResolveHints, Route } from './resolve.ts'
import { routerEnabled, type RouterCandidate, type RouterSettings } from './router-settings.ts'
import { taskKey, TaskMemory, textKey } from './task-memory.ts'
import { CircuitBreaker } from './breaker.ts'
import { isOutage } from './fallbacks.ts'

/**
 * The auto router: a request for the router's slug is scored by the
 * classifier model, and goes to the cheapest candidate that clears the
 * threshold (else the best scored). The decision holds for the whole task
 * (task-memory.ts). The router never fails a request: any classifier trouble
 * (error, timeout, garbage, no eligible candidate) means the `default` model.
 */

export interface RouterDecision {
  /** The model chosen. */
  slug: string
  /** The classifier's scores by candidate slug (empty when it failed). */
  scores: Record<string, number>
  /** Reused: the same task (a tool round trip) or, with `cache`, the same task text. */
  cached: boolean
  reason: 'classified' | 'same-task' | 'same-text' | 'default' | 'disabled'
  /** Why the default was used: an error kind, never prompt text. */
  failure?: string
}

/** Sends the classifier request to the classifier model and returns its text answer. Must honour `signal`. */
export type ClassifierOpen = (request: ResponsesRequest, slug: string, signal: AbortSignal) => Promise<string>

export interface RouterOptions {
  settings: RouterSettings
  open: ClassifierOpen
  log: Log
  /** Clock for the classifier's latency in the log. */
  now?: () => number
  /** The classifier's time limit (default 10 s); it is aborted past it. */
  timeoutMs?: number
  /** Tasks and texts remembered (default 1,000 each). */
  memoryLimit?: number
}

export interface Router {
  readonly settings: RouterSettings
  /** The decision for this request's task (remembered, cached, or classified now). */
  resolveTask(hints: ResolveHints): Promise<RouterDecision>
  /** Scores a task text and chooses, without memory or cache (`codex-shim router explain`). */
  explain(text: string, options?: { image?: boolean }): Promise<RouterDecision>
  /** `slug` answered with response `answerId`: a request continuing that answer is the same task. */
  rememberAnswer(answerId: string, slug: string): void
}

export const CLASSIFIER_TIMEOUT_MS = 10_000

/**
 * The cheapest eligible candidate whose score clears the threshold; when none
 * does, the best scored one (the cheaper on a tie). Only candidates with
 * `supports_images` are eligible for a turn with an image. Null when no
 * eligible candidate has a score.
 */
export function chooseCandidate(scores: Record<string, number>, candidates: readonly RouterCandidate[], threshold: number, image: boolean): string | null {
  const scored = candidates.filter((candidate) => (!image || candidate.supports_images) && Object.hasOwn(scores, candidate.slug))
  const clearing = scored.filter((candidate) => scores[candidate.slug]! >= threshold).sort((a, b) => a.cost - b.cost || scores[b.slug]! - scores[a.slug]!)
  if (clearing.length) return clearing[0]!.slug
  const best = [...scored].sort((a, b) => scores[b.slug]! - scores[a.slug]! || a.cost - b.cost)
  return best[0]?.slug ?? null
}

/** What went wrong, for the log: the error's kind and status, never its message (it may quote the prompt). */
function failureOf(error: unknown): string {
  if (error instanceof ShimError) return `${error.kind}${error.details.status ? ` ${error.details.status}` : ''}`
  if (error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')) return 'aborted'
  return 'error'
}

function formatScores(scores: Record<string, number>): string {
  const entries = Object.entries(scores)
  return entries.length ? entries.map(([slug, score]) => `${slug} ${score.toFixed(2)}`).join(', ') : 'no scores'
}

export function createRouter(options: RouterOptions): Router {
  const { settings, log } = options
  const now = options.now ?? (() => performance.now())
  const timeoutMs = options.timeoutMs ?? CLASSIFIER_TIMEOUT_MS
  const memory = new TaskMemory<RouterDecision>(options.memoryLimit)
  // A classifier that keeps timing out would cost every new task its full time limit (10 s): after
  // 3 outages in a row it is not asked for a minute (one task probes it then), and tasks go to the default.
  const classifierBreaker = new CircuitBreaker({ log })

  const fallback = (failure: string, scores: Record<string, number> = {}): RouterDecision => {
    log.warn(`router ${settings.slug}: classifier ${settings.classifier} gave no usable choice (${failure}); using the default ${settings.default}`)
    return { slug: settings.default, scores, cached: false, reason: 'default', failure }
  }

  const logDecision = (decision: RouterDecision, took?: number) => {
    if (decision.reason === 'default') return // fallback() logged it
    const how = decision.cached ? `cached: ${decision.reason}` : `classified${took === undefined ? '' : ` in ${describeMs(Math.round(took))}`}`
    log.info(`router ${settings.slug} → ${decision.slug} (${formatScores(decision.scores)}; ${how})`)
  }

  /** Asks the classifier, bounded by the time limit; never throws. */
  async function classify(task: Pick<TaskText, 'task' | 'context' | 'image'>): Promise<RouterDecision> {
    if (task.image && !settings.candidates.some((candidate) => candidate.supports_images)) return fallback('no candidate accepts images')
    if (!classifierBreaker.claim(settings.classifier)) return fallback('it failed repeatedly and is not asked until its cool-down ends')
    const controller = new AbortController()
    const started = now()
    let timer: ReturnType<typeof setTimeout> | undefined
    // The race ends the wait even if the classifier ignores its signal.
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new ShimError('upstream_timeout', `The router's classifier gave no answer within ${describeMs(timeoutMs)}.`)
        controller.abort(error)
        reject(error)
      }, timeoutMs)
    })
    try {
      const request = buildClassifierRequest(task, settings.candidates, settings.classifier)
      const answer = await Promise.race([options.open(request, settings.classifier, controller.signal), timeout])
      classifierBreaker.success(settings.classifier)
      const scores = parseScores(answer, settings.candidates)
      if (!scores) return fallback('unreadable answer')
      const slug = chooseCandidate(scores, settings.candidates, settings.threshold, task.image)
      if (!slug) return fallback(task.image ? 'no image-capable candidate was scored' : 'no candidate was scored', scores)
      const decision: RouterDecision = { slug, scores, cached: false, reason: 'classified' }
      logDecision(decision, now() - started)
      return decision
    } catch (error) {
      if (isOutage(error)) classifierBreaker.failure(settings.classifier)
      else classifierBreaker.success(settings.classifier)
      return fallback(failureOf(error))
    } finally {
      clearTimeout(timer)
      if (!controller.signal.aborted) controller.abort()
    }
  }

  async function decide(task: TaskText): Promise<RouterDecision> {
    const key = textKey(task)
    const known = settings.cache ? memory.texts.get(key) : undefined
    if (known) {
      const decision: RouterDecision = { ...known, cached: true, reason: 'same-text' }
      logDecision(decision)
      return decision
    }
    const decision = await classify(task)
    // Failures are not cached: the next task tries the classifier again.
    if (settings.cache && decision.reason === 'classified') memory.texts.set(key, decision)
    return decision
  }

  return {
    settings,
    async resolveTask(hints) {
      const request = hints.canonical()
      const task = readTask(request)
      // A tool round trip that continues an answer an upstream keeps (its own previous_response_id)
      // carries no user message to read the task from: the answer it continues names the task's model.
      const continued = !task.userTurns && typeof request.previous_response_id === 'string' ? memory.answers.get(request.previous_response_id) : undefined
      if (continued) {
        const decision: RouterDecision = { slug: continued, scores: {}, cached: true, reason: 'same-task' }
        logDecision(decision)
        return decision
      }
      const key = taskKey(hints.headers, request.prompt_cache_key, task)
      if (key === null) return decide(task)
      const remembered = memory.tasks.get(key)
      if (remembered) {
        const decision: RouterDecision = { ...(await remembered), cached: true, reason: 'same-task' }
        logDecision(decision)
        return decision
      }
      // The promise is kept, so requests of one task arriving together share one classifier call.
      const pending = decide(task)
      memory.tasks.set(key, pending)
      return pending
    },
    explain(text, explainOptions = {}) {
      return classify({ task: text, context: '', image: Boolean(explainOptions.image) })
    },
    rememberAnswer(answerId, slug) {
      memory.answers.set(answerId, slug)
    },
  }
}

/**
 * Puts the router in front of the model list's resolve. A request for the
 * router's slug is routed: the route keeps the client's name (`slug`, so
 * answers carry it) and says in `routedTo` which candidate was chosen, for
 * the `x-codex-shim-routed-to` header and the log line; a choice other than
 * the default names it in `routerDefault`, the chain's last fallback
 * (fallbacks.ts). Any other name resolves as before, untouched. CODEX_SHIM_DISABLE_ROUTER (1/true/yes/on) keeps the slug
 * working but sends it straight to `default` without asking the classifier.
 */
export function routerWrap(
  resolveModel: (slug: string, hints?: ResolveHints) => Promise<Route>,
  router: Router | null,
  options: { log?: Log; env?: Record<string, string | undefined> } = {},
): (requested: string, hints: ResolveHints) => Promise<Route> {
  if (!router || !router.settings.enabled) return (requested, hints) => resolveModel(requested, hints)
  const settings = router.settings
  const active = routerEnabled(settings, options.env)
  return async (requested, hints) => {
    if (requested !== settings.slug) return resolveModel(requested, hints)
    let chosen = active ? (await router.resolveTask(hints)).slug : settings.default
    let route: Route
    try {
      route = await resolveModel(chosen, hints)
    } catch (error) {
      // A candidate that vanished (a subscription model no longer offered) must not fail the request.
      if (!(error instanceof ShimError) || error.kind !== 'unknown_model' || chosen === settings.default) throw error
      options.log?.warn(`router ${settings.slug}: "${chosen}" is not available; using the default ${settings.default}`)
      chosen = settings.default
      route = await resolveModel(chosen, hints)
    }
    // The choice failing before its first byte must not fail a request the default could serve.
    return { ...route, slug: requested, routedTo: chosen, rememberAnswer: (answerId) => router.rememberAnswer(answerId, chosen), ...(chosen !== settings.default && { routerDefault: settings.default }) }
  }
}

/** The answer's text: its output messages' text parts, in order. */
export function outputText(response: ResponseObject): string {
  return response.output
    .filter((item) => item.type === 'message')
    .flatMap((item) => {
      const content = (item as { content?: unknown }).content
      if (typeof content === 'string') return [content]
      return Array.isArray(content) ? content.map((part: { type?: string; text?: unknown }) => (part.type === 'output_text' && typeof part.text === 'string' ? part.text : '')) : []
    })
    .join('')
}

/**
 * The classifier sent through the provider registry like any request: the
 * classifier's slug resolves to a route (aliases pin their options), the
 * provider opens it, and the answer is aggregated to text.
 */
export function providerClassifier(options: { resolve: (slug: string) => Promise<Route>; context: (signal: AbortSignal) => RequestContext }): ClassifierOpen {
  return async (request, slug, signal) => {
    const route = await options.resolve(slug)
    const provider = await loadProvider(route.model.provider_label)
    const opened = await provider.open(pinCanonical(request, route.alias), route, options.context(signal))
    const aggregated = await aggregateEvents(opened.events())
    const failure = unfinishedAnswerError(aggregated)
    if (failure) throw failure
    return outputText(aggregated.response)
  }
}
