import { DEFAULT_CONTEXT_WINDOW } from '../codex/catalog.ts'
import { baseUrlHost } from '../upstream/base-url.ts'

/** One model as the control page shows it: no base URL path or query, no key. */
export interface UiModel {
  slug: string
  display_name: string
  /** The provider label the user wrote (`openai`, `ollama`, `chatgpt`): the page groups by it. */
  provider: string
  /** The upstream's host only; base URLs can carry keys in query strings. */
  upstream_host: string | null
  context_window: number | null
  images: boolean
  alias_of?: string
}

/** What the model list hands out (routing's ListedModel), narrowed to the fields the page may show. */
export interface ListedLike {
  id: string
  display_name: string
  provider: string
  model: { model?: string; base_url: string; max_context_limit?: number; no_image_support: boolean }
  alias_of?: string
  source?: string
}

/** A subscription model as the ChatGPT backend's catalog describes it. */
export type CatalogLike = Record<string, unknown> & { slug: string }


/**
 * The model list in the page's shape. Subscription entries carry no context
 * window of their own; the backend's catalog (`subscription`) supplies it.
 */
export function uiModelsFromListed(listed: ListedLike[], subscription: CatalogLike[] = []): UiModel[] {
  const described = new Map(subscription.map((model) => [model.slug, model]))
  return listed.map((entry) => {
    const subscriptionModel = entry.provider === 'chatgpt'
    const fromCatalog = subscriptionModel ? described.get(entry.model.model ?? entry.id) : undefined
    const catalogWindow = typeof fromCatalog?.context_window === 'number' ? fromCatalog.context_window : undefined
    const modalities = fromCatalog?.input_modalities
    return {
      slug: entry.id,
      display_name: entry.display_name,
      provider: entry.provider,
      upstream_host: baseUrlHost(entry.model.base_url)?.host ?? null,
      // Configured models get Codex's default window; the subscription's is unknown without the backend's catalog.
      context_window: entry.model.max_context_limit ?? catalogWindow ?? (subscriptionModel ? null : DEFAULT_CONTEXT_WINDOW),
      images: Array.isArray(modalities) ? modalities.includes('image') : !entry.model.no_image_support,
      ...(entry.alias_of && { alias_of: entry.alias_of }),
    }
  })
}
