import { orderedModels } from '../codex/catalog.ts'
import { ShimError } from '../errors.ts'
import type { Settings } from '../settings/schema.ts'

/** The model a command uses when none is named: the first launch model, else the first configured. */
export function defaultSlug(settings: Settings): string {
  const first = orderedModels(settings)[0]
  if (!first) {
    throw new ShimError('config', `No models configured${settings.path ? ` in ${settings.path}` : ''}. Add entries to ~/.codex-shim/models.json or pass --settings FILE.`)
  }
  return first.slug
}

export function requireSlug(settings: Settings, slug: string): string {
  if (settings.models.some((model) => model.slug === slug) || (settings.aliases && Object.hasOwn(settings.aliases, slug))) return slug
  const known = [...orderedModels(settings).map((model) => model.slug), ...Object.keys(settings.aliases ?? {})]
  throw new ShimError('unknown_model', `Unknown model "${slug}". Valid slugs: ${known.join(', ') || '(none configured)'}.`)
}
