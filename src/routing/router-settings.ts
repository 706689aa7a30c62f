import * as v from 'valibot'
import { issuePath, settingsIssueMessage } from '../issue-path.ts'
import { refuseUnknownKeys, type SettingsIssue } from '../settings/normalize.ts'
import { isSlug } from '../settings/slug.ts'
import type { ModelSettings, ReasoningEffort, Settings } from '../settings/schema.ts'
import { envFlag } from '../env-flag.ts'

/**
 * The auto router's settings: the top-level `router` key of models.json, in
 * the original project's spelling so its users' files load unchanged. The
 * router is one more model name (`slug`); each request sent to it is scored
 * by the `classifier` model against the candidates' cards and goes to one of them.
 */

const slugString = (what: string) => v.pipe(v.string(`expected ${what} as a model slug string`), v.trim(), v.nonEmpty(`expected a non-empty ${what}`))

/**
 * Built on first use: most settings files have no router, and building these
 * schemas cost a start that parses one ~0.3 ms.
 */
function buildRouterSchemas() {
  const candidate = v.looseObject(
    {
      slug: slugString('the candidate'),
      /** Relative price: only for choosing the cheapest model that clears the threshold. Never sent to the classifier. */
      cost: v.pipe(v.number('expected the cost as a number (relative price, e.g. 0.3)'), v.minValue(0, 'expected a cost of 0 or more')),
      supports_images: v.optional(v.boolean('expected true or false'), false),
      /** What the classifier reads about the model: strengths, typical tasks. */
      card: v.optional(v.string('expected the card as a string describing what the model is good at'), ''),
    },
    'expected a candidate like {"slug": "cheap-model", "cost": 0.3, "card": "…"}',
  )
  const settings = v.looseObject(
    {
      enabled: v.optional(v.boolean('expected true or false'), true),
      slug: v.optional(
        v.pipe(v.string('expected the router slug as a string'), v.check(isSlug, 'expected lower-case letters, digits, ".", "_" or "-" (e.g. "codex-auto")')),
        'codex-auto',
      ),
      display_name: v.optional(v.pipe(v.string('expected the display name as a string'), v.trim(), v.nonEmpty('expected a non-empty display name')), 'Auto (smart routing)'),
      classifier: slugString('classifier'),
      // Range checked by checkRouterSettings, so the message can name the value.
      threshold: v.optional(v.number('expected the threshold as a number from 0 to 1'), 0.7),
      default: slugString('default'),
      cache: v.optional(v.boolean('expected true or false'), true),
      candidates: v.pipe(
        v.array(candidate, 'expected a list of candidates like [{"slug": "…", "cost": 1, "card": "…"}]'),
        v.minLength(1, 'expected at least one candidate'),
      ),
    },
    'expected a router object like {"classifier": "…", "default": "…", "candidates": [ … ]}',
  )
  return { candidate, settings }
}

let routerSchemas: ReturnType<typeof buildRouterSchemas> | undefined

export type RouterSettings = v.InferOutput<ReturnType<typeof buildRouterSchemas>['settings']>
export type RouterCandidate = v.InferOutput<ReturnType<typeof buildRouterSchemas>['candidate']>

/**
 * What valibot cannot see: names that must exist among the configured models
 * (and aliases), and rules between fields. Paths are the user's (`router.candidates[1].slug`).
 */
export function checkRouterSettings(router: RouterSettings, knownSlugs: Iterable<string>): SettingsIssue[] {
  const known = new Set(knownSlugs)
  const issues: SettingsIssue[] = []
  const knownList = () => [...known].join(', ') || '(none configured)'
  if (known.has(router.slug)) issues.push({ path: 'router.slug', message: `"${router.slug}" is already a model slug; pick another name for the router` })

  const seen = new Map<string, number>()
  router.candidates.forEach((candidate, i) => {
    const path = `router.candidates[${i}].slug`
    const earlier = seen.get(candidate.slug)
    if (earlier !== undefined) issues.push({ path, message: `"${candidate.slug}" is listed twice (also candidates[${earlier}].slug); keep one` })
    else seen.set(candidate.slug, i)
    if (candidate.slug === router.slug) issues.push({ path, message: `the router cannot be its own candidate ("${router.slug}")` })
    else if (!known.has(candidate.slug)) issues.push({ path, message: `"${candidate.slug}" is not a configured model slug (known: ${knownList()})` })
  })

  if (router.classifier === router.slug) issues.push({ path: 'router.classifier', message: `the classifier cannot be the router itself ("${router.slug}"); name a real model such as a cheap, fast one` })
  else if (!known.has(router.classifier)) issues.push({ path: 'router.classifier', message: `"${router.classifier}" is not a configured model slug (known: ${knownList()})` })

  if (router.default === router.slug) issues.push({ path: 'router.default', message: `the default cannot be the router itself ("${router.slug}")` })
  else if (!seen.has(router.default) && !known.has(router.default)) {
    issues.push({ path: 'router.default', message: `"${router.default}" is neither a candidate nor a configured model slug (candidates: ${[...seen.keys()].join(', ')})` })
  }

  if (!Number.isFinite(router.threshold) || router.threshold < 0 || router.threshold > 1) {
    issues.push({ path: 'router.threshold', message: `expected a number from 0 to 1, got ${router.threshold}` })
  }
  return issues
}

/** The `router` value of a settings file → settings or every issue with its path; null when absent. */
export function parseRouterSettings(raw: unknown, knownSlugs: Iterable<string>): { router: RouterSettings | null; issues: SettingsIssue[] } {
  if (raw === undefined) return { router: null, issues: [] }
  const schemas = (routerSchemas ??= buildRouterSchemas())
  const parsed = v.safeParse(schemas.settings, raw)
  if (!parsed.success) return { router: null, issues: parsed.issues.map((issue) => ({ path: issuePath(issue, { prefix: 'router' }), message: settingsIssueMessage(issue) })) }
  const issues: SettingsIssue[] = []
  refuseUnknownKeys(raw as object, Object.keys(schemas.settings.entries), 'router', issues)
  ;(raw as { candidates: object[] }).candidates.forEach((candidate, index) => refuseUnknownKeys(candidate, Object.keys(schemas.candidate.entries), `router.candidates[${index}]`, issues))
  issues.push(...checkRouterSettings(parsed.output, knownSlugs))
  return { router: issues.length ? null : parsed.output, issues }
}

/** The router is off when disabled in settings or by CODEX_SHIM_DISABLE_ROUTER (1/true/yes/on). */
export function routerEnabled(router: RouterSettings | null | undefined, env: Record<string, string | undefined> = process.env): boolean {
  return Boolean(router?.enabled) && !envFlag(env.CODEX_SHIM_DISABLE_ROUTER)
}

/**
 * The router as one model entry, for listings and Codex's catalog: the
 * default's entry renamed, with the union of its candidates' capabilities
 * (images if any candidate takes them, the largest context window, every
 * reasoning effort offered). Null without an enabled router.
 */
export function routerModel(settings: Settings): ModelSettings | null {
  const router = settings.router
  if (!router?.enabled) return null
  const modelOf = (slug: string) => settings.models.find((model) => model.slug === (settings.aliases[slug]?.slug ?? slug))
  const fallback = modelOf(router.default)
  if (!fallback) return null // settings validation makes this unreachable
  const candidates = router.candidates.flatMap((candidate) => {
    const model = modelOf(candidate.slug)
    return model ? [{ candidate, model }] : []
  })
  const windows = candidates.map(({ model }) => model.max_context_limit).filter((limit): limit is number => limit !== undefined)
  const standard: ReasoningEffort[] = ['low', 'medium', 'high'] // what the catalog offers a model that names none
  const efforts = [...new Set(candidates.flatMap(({ model }) => model.reasoning_efforts ?? standard))]
  const { max_context_limit: _window, reasoning_efforts: _efforts, reasoning_effort: _effort, fallbacks: _fallbacks, ...base } = fallback
  return {
    ...base,
    slug: router.slug,
    model: router.slug,
    display_name: router.display_name,
    no_image_support: !candidates.some(({ candidate, model }) => candidate.supports_images && !model.no_image_support),
    ...(windows.length === candidates.length && windows.length && { max_context_limit: Math.max(...windows) }),
    reasoning_efforts: efforts,
    source: 'router',
  }
}
