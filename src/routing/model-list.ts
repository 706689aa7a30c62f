import { chatgptDisabled } from '../chatgpt/auth.ts'
import type { ChatgptModel } from '../chatgpt/catalog.ts'
import { ChatgptService } from '../chatgpt/service.ts'
import { buildCatalog, catalogEntry, orderedModels } from '../codex/catalog.ts'
import { CURSOR_CATALOG_PRIORITY, cursorModelSettings } from '../cursor/availability.ts'
import { cursorAuthError } from '../cursor/errors.ts'
import { cursorSlug, isCursorName, resolveCursorSlug, type CursorModel } from '../cursor/models.ts'
import type { CursorServices } from '../cursor/turn.ts'
import { ShimError } from '../errors.ts'
import { enabledCursorServices } from '../providers/cursor-agent.ts'
import { loadProvider } from '../providers/index.ts'
import type { ModelSettings, Settings } from '../settings/schema.ts'
import { chatgptModelSettings, legacyChatgptSlug, findRoute, unknownModelError, type ResolveHints, type Route } from './resolve.ts'
import { routerModel } from './router-settings.ts'
import { shimPaths } from '../paths.ts'

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
  source: 'settings' | 'alias' | 'chatgpt' | 'cursor' | 'router'
}

/** What the model list needs from the Cursor subscription (`CursorServices` has it). */
export type CursorListing = Pick<CursorServices, 'bin' | 'status' | 'available' | 'availableNow'>

export interface ModelListServices {
  chatgpt: ChatgptService | null
  /**
   * The Cursor subscription through `cursor-agent`. Absent: the process's own
   * (none while `CODEX_SHIM_DISABLE_CURSOR` is on, nothing listed while no
   * binary or login). null: none at all.
   */
  cursor?: CursorListing | null
}

/**
 * Every name a client may use, from every source, merged in one place:
 * configured models in launch order, aliases, then the subscriptions' models
 * (ChatGPT's, then Cursor's as `cursor-<id>`) while a usable login exists.
 * `list`, `/v1/models`, `/health`, the Codex catalog, the control page and
 * request routing all read it.
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
    // The auto router is one more name: its entry carries the union of its candidates' capabilities.
    const router = routerModel(settings)
    const routed: ListedModel[] = router ? [{ id: router.slug, display_name: router.display_name, provider: 'router', model: router, source: 'router' }] : []
    return [...models, ...aliases, ...routed]
  }

  /**
   * The subscription's models as the backend describes them; none without a
   * usable login. `clientHeaders`: the request asking, whose Codex version the
   * backend's list depends on.
   */
  async subscription(clientHeaders?: Headers): Promise<ChatgptModel[]> {
    const chatgpt = this.services.chatgpt
    if (!chatgpt?.usable()) return []
    if (clientHeaders) chatgpt.catalog.noteClient(clientHeaders)
    return await chatgpt.catalog.models().catch(() => [])
  }

  /**
   * Cursor's models while cursor-agent is installed and logged in; none
   * otherwise. The probe behind it is cached (30 s status, 5 min listing).
   */
  async cursorModels(): Promise<CursorModel[]> {
    return (await this.cursor()?.available()) ?? []
  }

  /** Whether Cursor's models are offered, answered without waiting on cursor-agent (`/health` must stay fast). */
  cursorPassthrough(): boolean {
    return (this.cursor()?.availableNow()?.length ?? 0) > 0
  }

  async all(): Promise<ListedModel[]> {
    const configured = this.configured()
    const taken = new Set(configured.map((entry) => entry.id))
    const [chatgpt, cursor] = await Promise.all([this.subscription(), this.cursorModels()])
    const subscription = chatgpt
      .filter((model) => !taken.has(model.slug))
      .map((model): ListedModel => ({ id: model.slug, display_name: String(model.display_name ?? model.slug), provider: 'chatgpt', model: chatgptModelSettings(model.slug), source: 'chatgpt' }))
    for (const entry of subscription) taken.add(entry.id)
    const cursorListed = cursor
      .filter((model) => !taken.has(cursorSlug(model)))
      .map((model): ListedModel => ({ id: cursorSlug(model), display_name: model.name, provider: 'cursor-agent', model: cursorModelSettings(model), source: 'cursor' }))
    return [...configured, ...subscription, ...cursorListed]
  }

  /**
   * Codex's catalog (`model_catalog_json`): configured entries, then the
   * ChatGPT subscription's kept as the backend sends them, then Cursor's
   * (text-only input, ranked last so none becomes Codex's default).
   */
  async catalog(baseInstructions: string): Promise<{ models: Record<string, unknown>[] }> {
    const own = buildCatalog(this.settings, baseInstructions)
    const taken = new Set(own.models.map((model) => model.slug))
    const [chatgpt, cursor] = await Promise.all([this.subscription(), this.cursorModels()])
    const subscription = chatgpt.filter((model) => !taken.has(model.slug))
    for (const model of subscription) taken.add(model.slug)
    const cursorEntries = cursor
      .filter((model) => !taken.has(cursorSlug(model)))
      .map((model, index) => ({ ...catalogEntry(cursorModelSettings(model), CURSOR_CATALOG_PRIORITY + index, baseInstructions), description: `${model.name} via cursor-agent (Cursor subscription)` }))
    return { models: [...own.models, ...subscription, ...cursorEntries] }
  }

  /** Slug → route: settings first (models and aliases), then Cursor's `cursor-<id>` names, then the ChatGPT subscription's models. */
  async resolve(requested: string, hints?: Pick<ResolveHints, 'headers'>): Promise<Route> {
    // No exception on the way to the plan's and Cursor's models: they are asked for on every request.
    const configured = findRoute(this.settings, requested)
    if (configured) return configured
    const cursor = this.cursor()
    if (cursor && isCursorName(requested) && (await cursor.bin())) return this.cursorRoute(requested, cursor)
    if (!this.services.chatgpt) throw unknownModelError(this.settings, requested)
    const models = await this.subscription(hints?.headers)
    const legacy = legacyChatgptSlug(requested)
    const target = legacy?.model ?? requested
    if (models.some((model) => model.slug === target)) return { slug: requested, model: chatgptModelSettings(target, legacy?.effort) }
    if (!models.length) throw unknownModelError(this.settings, requested)
    // Cursor's names as far as they are known now: an unrelated typo should not wait on cursor-agent.
    const known = [...this.configured().map((entry) => entry.id), ...models.map((model) => model.slug), ...(cursor?.availableNow() ?? []).map((model) => cursorSlug(model))]
    throw new ShimError('unknown_model', `The model "${requested}" does not exist in codex-shim. Known: ${known.join(', ')}.`, { param: 'model' })
  }

  /** `cursor-<id>` (or a Composer 2.5 alias) while cursor-agent is installed: a route, a login hint, or the known names. */
  private async cursorRoute(requested: string, cursor: CursorListing): Promise<Route> {
    const models = await cursor.available()
    const model = resolveCursorSlug(requested, models)
    if (model) return { slug: requested, model: cursorModelSettings(model, requested) }
    if (!models.length) {
      // Installed but not usable: the login is the next step, not a list of other names.
      const status = await cursor.status().catch(() => null)
      if (status && status.state !== 'logged-in') throw cursorAuthError()
    }
    const known = [...this.configured().map((entry) => entry.id), ...models.map((known) => cursorSlug(known))]
    throw new ShimError('unknown_model', `The model "${requested}" does not exist in codex-shim. Known: ${known.join(', ') || '(none)'}. Run \`cursor-agent models\` to see your Cursor account's models.`, { param: 'model' })
  }

  private cursor(): CursorListing | null {
    return this.services.cursor === undefined ? enabledCursorServices() : this.services.cursor
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
    throw new ShimError('config', `No models configured${this.settings.path ? ` in ${this.settings.path}` : ''}. Add entries to ${this.settings.path ?? shimPaths.settings()} or pass --settings FILE, or run \`codex login\` to use your ChatGPT plan.`)
  }

  /** A name the user typed on the command line: it must be one `all()` lists. */
  async require(slug: string): Promise<string> {
    const all = await this.all()
    if (all.some((entry) => entry.id === slug) || legacyChatgptSlug(slug)) return slug
    if (isCursorName(slug) && resolveCursorSlug(slug, await this.cursorModels())) return slug
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

/** The model list a command (not the daemon) sees: settings plus the subscriptions (ChatGPT, Cursor) while logged in. */
export function modelListFor(settings: Settings): ModelList {
  return new ModelList(settings, { chatgpt: chatgptDisabled() ? null : new ChatgptService(), cursor: enabledCursorServices() })
}

/** The registry entry behind a route, its code loaded with the first request it serves. */
export function providerOf(model: ModelSettings) {
  return loadProvider(model.provider_label)
}
