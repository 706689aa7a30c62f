import { ShimError } from '../errors.ts'
import type { ModelSettings, Settings } from '../settings/schema.ts'

export interface Route {
  /** The name the client used (reported back as the response's model). */
  slug: string
  model: ModelSettings
}

/** Slug → configured model. The upstream model id is accepted too when it is unambiguous. */
export function resolveRoute(settings: Settings, requested: string): Route {
  const bySlug = settings.models.find((model) => model.slug === requested)
  if (bySlug) return { slug: requested, model: bySlug }
  const byModel = settings.models.filter((model) => model.model === requested)
  if (byModel.length === 1) return { slug: requested, model: byModel[0]! }
  const known = settings.models.map((model) => model.slug)
  const hint = known.length ? `Known: ${known.join(', ')}.` : 'No models are configured: add some to ~/.codex-shim/models.json (see `codex-shim doctor`).'
  throw new ShimError('unknown_model', `The model "${requested}" does not exist in codex-shim. ${hint}`, { param: 'model' })
}
