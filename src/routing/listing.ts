import type { ModelSettings, Settings } from '../settings/schema.ts'
import { orderedModels } from '../codex/catalog.ts'

export interface ListedModel {
  /** What clients send as `model`. */
  id: string
  display_name: string
  provider: string
  model: ModelSettings
  /** Set for aliases: the slug it points at. */
  alias_of?: string
}

/** Every name a client may use: configured models in launch order, then aliases. */
export function listedModels(settings: Settings): ListedModel[] {
  const models = orderedModels(settings).map((model) => ({ id: model.slug, display_name: model.display_name, provider: model.provider_label, model }))
  const aliases = Object.entries(settings.aliases ?? {}).flatMap(([name, alias]) => {
    const model = settings.models.find((entry) => entry.slug === alias.slug)
    return model ? [{ id: name, display_name: alias.display_name ?? `${model.display_name} (${name})`, provider: model.provider_label, model, alias_of: alias.slug }] : []
  })
  return [...models, ...aliases]
}
