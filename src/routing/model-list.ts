import { chatgptDisabled } from '../chatgpt/auth.ts'
import type { ChatgptModel } from '../chatgpt/catalog.ts'
import { ChatgptService } from '../chatgpt/service.ts'
import { buildCatalog, orderedModels } from '../codex/catalog.ts'
import { ShimError } from '../errors.ts'
import { PROVIDERS } from '../providers/index.ts'
import type { ModelSettings, Settings } from '../settings/schema.ts'
import { chatgptModelSettings, legacyChatgptSlug, resolveRoute, type Route } from './resolve.ts'

export interface ListedModel {
  /** What clients send as `model`. */
  id: string
  display_name: string
  /** The provider kind as the user wrote it (`ollama`, `chatgpt`, …). */
  provider: string
  model: ModelSettings
  /** Set for aliases: the slug it points at. */
  alias_of?: string
  /** Where the name comes from. */
  source: 'settings' | 'alias' | 'chatgpt'
}

export interface ModelListServices {
  chatgpt: ChatgptService | null
}

/**
 * Every name a client may use, from every source, merged in one place:
 * configured models in launch order, aliases, then the subscription's models
 * while a usable login exists. `list`, `/v1/models`, `/health`, the Codex
 * catalog, the control page and request routing all read it.
 */
export class ModelList {
  constructor(
    readonly settings: Settings,
    private readonly services: ModelListServices,
  ) {}

  /** Configured models and aliases: no I/O. */
  configured(): ListedModel[] {
    const settings = this.settings
    const models = orderedModels(settings).map((model): ListedModel => ({ id: model.slug, display_name: model.display_name, provider: model.provider_label, model, source: 'settings' }))
    const aliases = Object.entries(settings.aliases ?? {}).flatMap(([name, alias]): ListedModel[] => {
      const model = settings.models.find((entry) => entry.slug === alias.slug)
      return model ? [{ id: name, display_name: alias.display_name ?? `${model.display_name} (${name})`, provider: model.provider_label, model, alias_of: alias.slug, source: 'alias' }] : []
    })
    return [...models, ...aliases]
  }

  /** The subscription's models as the backend describes them; none without a usable login. */
  async subscription(): Promise<ChatgptModel[]> {
    const chatgpt = this.services.chatgpt
    return chatgpt?.usable() ? await chatgpt.catalog.models().catch(() => []) : []
  }

  async all(): Promise<ListedModel[]> {
    const configured = this.configured()
    const taken = new Set(configured.map((entry) => entry.id))
    const subscription = (await this.subscription())
      .filter((model) => !taken.has(model.slug))
      .map((model): ListedModel => ({ id: model.slug, display_name: String(model.display_name ?? model.slug), provider: 'chatgpt', model: chatgptModelSettings(model.slug), source: 'chatgpt' }))
    return [...configured, ...subscription]
  }

  /** Codex's catalog (`model_catalog_json`): configured entries, then the subscription's kept as the backend sends them. */
  async catalog(baseInstructions: string): Promise<{ models: Record<string, unknown>[] }> {
    const own = buildCatalog(this.settings, baseInstructions)
    const taken = new Set(own.models.map((model) => model.slug))
    return { models: [...own.models, ...(await this.subscription()).filter((model) => !taken.has(model.slug))] }
  }

  /** Slug → route: settings first (models and aliases), then the subscription's models. */
  async resolve(requested: string): Promise<Route> {
    try {
      return resolveRoute(this.settings, requested)
    } catch (error) {
      if (!(error instanceof ShimError) || error.kind !== 'unknown_model' || !this.services.chatgpt) throw error
      const models = await this.subscription()
      const legacy = legacyChatgptSlug(requested)
      const target = legacy?.model ?? requested
      if (models.some((model) => model.slug === target)) return { slug: requested, model: chatgptModelSettings(target, legacy?.effort) }
      if (!models.length) throw error
      const known = [...this.configured().map((entry) => entry.id), ...models.map((model) => model.slug)]
      throw new ShimError('unknown_model', `The model "${requested}" does not exist in codex-shim. Known: ${known.join(', ')}.`, { param: 'model' })
    }
  }

  /**
   * The model a command uses when none is named: the first launch model, else
   * the first configured, else the plan's own default (its first listed model).
   */
  async defaultModel(): Promise<{ slug: string; from: 'settings' | 'chatgpt' }> {
    const first = orderedModels(this.settings)[0]
    if (first) return { slug: first.slug, from: 'settings' }
    const plan = planDefault(await this.subscription())
    if (plan) return { slug: plan, from: 'chatgpt' }
    throw new ShimError('config', `No models configured${this.settings.path ? ` in ${this.settings.path}` : ''}. Add entries to ~/.codex-shim/models.json or pass --settings FILE, or run \`codex login\` to use your ChatGPT plan.`)
  }

  /** A name the user typed on the command line: it must be one `all()` lists. */
  async require(slug: string): Promise<string> {
    const all = await this.all()
    if (all.some((entry) => entry.id === slug) || legacyChatgptSlug(slug)) return slug
    throw new ShimError('unknown_model', `Unknown model "${slug}". Valid slugs: ${all.map((entry) => entry.id).join(', ') || '(none configured)'}.`)
  }

  /** The named model (it must exist), else the default. */
  async choose(named: string | undefined): Promise<{ slug: string; from: 'named' | 'settings' | 'chatgpt' }> {
    return named ? { slug: await this.require(named), from: 'named' } : this.defaultModel()
  }
}

/** The subscription's first model as Codex would list it (lowest priority among listed ones). */
function planDefault(models: ChatgptModel[]): string | undefined {
  const listed = models.filter((model) => (model.visibility ?? 'list') === 'list')
  const ranked = [...(listed.length ? listed : models)].sort((a, b) => Number(a.priority ?? Infinity) - Number(b.priority ?? Infinity))
  return ranked[0]?.slug
}

/** The model list a command (not the daemon) sees: settings plus the subscription while logged in. */
export function modelListFor(settings: Settings): ModelList {
  return new ModelList(settings, { chatgpt: chatgptDisabled() ? null : new ChatgptService() })
}

/** The registry entry behind a route. */
export function providerOf(model: ModelSettings) {
  return PROVIDERS[model.provider_label]
}
