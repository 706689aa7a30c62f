import { ShimError } from '../errors.ts'
import type { AliasSettings, ModelSettings, Settings } from '../settings/schema.ts'

export interface Route {
  /** The name the client used (reported back as the response's model). */
  slug: string
  model: ModelSettings
  /** Set when the client used an alias: options to pin on the request. */
  alias?: AliasSettings
}

/** Slug → configured model. The upstream model id is accepted too when it is unambiguous. */
export function resolveRoute(settings: Settings, requested: string): Route {
  const alias = settings.aliases?.[requested]
  if (alias) {
    const target = settings.models.find((model) => model.slug === alias.slug)
    if (target) return { slug: requested, model: target, alias }
  }
  const bySlug = settings.models.find((model) => model.slug === requested)
  if (bySlug) return { slug: requested, model: bySlug }
  const byModel = settings.models.filter((model) => model.model === requested)
  if (byModel.length === 1) return { slug: requested, model: byModel[0]! }
  const known = [...settings.models.map((model) => model.slug), ...Object.keys(settings.aliases ?? {})]
  const hint = known.length ? `Known: ${known.join(', ')}.` : 'No models are configured: add some to ~/.codex-shim/models.json (see `codex-shim doctor`).'
  throw new ShimError('unknown_model', `The model "${requested}" does not exist in codex-shim. ${hint}`, { param: 'model' })
}
