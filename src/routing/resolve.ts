import { ShimError } from '../errors.ts'
import { shimPaths } from '../paths.ts'
import { backendBase } from '../chatgpt/backend.ts'
import type { ResponsesRequest } from '../canonical/types.ts'
import type { ProviderTarget } from '../providers/types.ts'
import type { AliasSettings, ModelSettings, Settings } from '../settings/schema.ts'

export interface Route extends ProviderTarget {
  /** Set when the client used an alias: options to pin on the request. */
  alias?: AliasSettings
  /** Set when the auto router chose the model, or a fallback serves: its slug (the client still sees `slug`). */
  routedTo?: string
  /** A fallback of the route the client's name resolved to (fallbacks.ts), not the router's choice. */
  fallback?: true
  /** Set when the auto router chose a model other than its default: the default, tried after the choice's own fallbacks. */
  routerDefault?: string
  /**
   * Set by the auto router: told the id of the answer this route gave, so that a later request
   * continuing it (`previous_response_id` plus tool results, and no user message to read the task from)
   * stays on the model chosen for the task.
   */
  rememberAnswer?: (answerId: string) => void
}

/** What resolution may look at besides the model name: the router reads the task, fallbacks nothing. */
export interface ResolveHints {
  /** The request in canonical form, translated on first use only (fast paths never need it). */
  canonical: () => ResponsesRequest
  headers: Headers
}

/**
 * The single resolution hook: model name → route (aliases, then the auto
 * router). The route keeps the name the client asked for; `route.routedTo`
 * names the model the router chose.
 */
export type Resolver = (requested: string, hints: ResolveHints) => Promise<Route>

/** Slug → configured model, or null. The upstream model id is accepted too when it is unambiguous. */
export function findRoute(settings: Settings, requested: string): Route | null {
  const alias = settings.aliases && Object.hasOwn(settings.aliases, requested) ? settings.aliases[requested] : undefined
  if (alias) {
    const target = settings.models.find((model) => model.slug === alias.slug)
    if (target) return { slug: requested, model: target, alias }
  }
  const bySlug = settings.models.find((model) => model.slug === requested)
  if (bySlug) return { slug: requested, model: bySlug }
  const byModel = settings.models.filter((model) => model.model === requested)
  return byModel.length === 1 ? { slug: requested, model: byModel[0]! } : null
}

/** `findRoute`, or the error naming the configured models. */
export function resolveRoute(settings: Settings, requested: string): Route {
  const found = findRoute(settings, requested)
  if (found) return found
  throw unknownModelError(settings, requested)
}

/** The 400 for a name no setting knows, listing the ones it does. */
export function unknownModelError(settings: Settings, requested: string): ShimError {
  const known = [...settings.models.map((model) => model.slug), ...Object.keys(settings.aliases ?? {}), ...(settings.router?.enabled ? [settings.router.slug] : [])]
  const hint = known.length ? `Known: ${known.join(', ')}.` : `No models are configured: add some to ${settings.path ?? shimPaths.settings()} (see \`codex-shim doctor\`).`
  return new ShimError('unknown_model', `The model "${requested}" does not exist in codex-shim. ${hint}`, { param: 'model' })
}

/** What a subscription model looks like as a route. */
export function chatgptModelSettings(slug: string, effort?: string): ModelSettings {
  return {
    slug,
    model: slug,
    provider: 'chatgpt',
    provider_label: 'chatgpt',
    base_url: backendBase(),
    display_name: slug,
    no_image_support: false,
    extra_headers: {},
    ...(effort && { reasoning_effort: effort as ModelSettings['reasoning_effort'] }),
    source: 'chatgpt',
  }
}

/** The original's slugs: `openai-gpt-5-5` and `openai-gpt-5-5-<effort>` → gpt-5.5 (effort pinned). */
export function legacyChatgptSlug(slug: string): { model: string; effort?: string } | null {
  const match = slug.match(/^openai-gpt-5-5(?:-(none|minimal|low|medium|high|xhigh|max))?$/)
  return match ? { model: 'gpt-5.5', ...(match[1] && { effort: match[1] }) } : null
}
