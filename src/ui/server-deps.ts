import type { QuotaSnapshot } from '../chatgpt/quota.ts'
import { ConfigEditError } from '../codex/config-block.ts'
import { currentManagedModel } from '../codex/manage-config.ts'
import { switchManagedModel } from '../codex/use-model.ts'
import { ShimError } from '../errors.ts'
import type { Settings } from '../settings/schema.ts'
import type { UiDeps } from './api.ts'
import { hasCodexDesktop, restartCodexDesktop } from './desktop-launcher.ts'
import { uiModelsFromListed, type CatalogLike, type ListedLike, type UiModel } from './models.ts'
import { RequestRing } from './request-ring.ts'
import { randomHex } from './same-secret.ts'

const SWITCH_WAIT_MS = 30_000

/** What the page needs from the running proxy; ServerDeps plus the model list provide it. */
export interface UiHost {
  settings: Settings
  version: string
  startedAt: number
  port: number
  /** CODEX_SHIM_TOKEN; read on each request (`start --tunnel` sets it after startup). */
  token?: string
  /** Every model a client may use (routing's model list). */
  models: () => Promise<ListedLike[]>
  /** The ChatGPT backend's catalog, for context windows; [] without a login. */
  subscription?: () => Promise<CatalogLike[]>
  chatgpt: { usable(): boolean; quota: { latest: QuotaSnapshot | null } } | null
  /** Models resting after rate limits, once the router tracks them. */
  coolingDown?: () => { slug: string; until: string }[]
  /** Whether Cursor's models are offered, as /health says it. */
  cursorPassthrough?: () => boolean
  /** The proxy's platform (process.platform): Codex Desktop, and so restarting it, exists on macOS and Windows only. */
  platform?: NodeJS.Platform
}

/**
 * The control page's deps for a running proxy. Switching goes through the
 * same code as `codex-shim model use`: catalog first, then the managed block,
 * backed up and written atomically.
 */
export function uiDepsFromHost(host: UiHost, ring = new RequestRing(), switchWaitMs = SWITCH_WAIT_MS): UiDeps {
  const listModels = async (): Promise<UiModel[]> => uiModelsFromListed(await host.models(), (await host.subscription?.().catch(() => [])) ?? [])
  // One switch at a time, in the order asked (a double click, two tabs): each reads config.toml and
  // writes it back, and their writes, which wait on the disk off the proxy's thread, could finish in
  // either order. One that never ends (a model list that hangs) holds the next back `switchWaitMs` at most.
  let switching: Promise<unknown> = Promise.resolve()
  async function switchTo(slug: string): Promise<{ changed: boolean; display_name: string }> {
    const model = (await listModels()).find((entry) => entry.slug === slug)
    if (!model) throw new ShimError('unknown_model', `No model "${slug}". Pick one from the list.`)
    try {
      // Desktop shows the model's name as the provider's.
      const change = await switchManagedModel(host.settings, { slug, displayName: model.display_name }, host.port)
      return { changed: change.changed, display_name: model.display_name }
    } catch (error) {
      // "no codex-shim block: run enable first" and friends are the user's to fix, not a server fault.
      if (error instanceof ConfigEditError) throw new ShimError('config', error.message, { status: 409 })
      throw error
    }
  }
  const platform = host.platform ?? process.platform
  return {
    ring,
    pageToken: randomHex(32),
    get apiToken() {
      return host.token
    },
    listModels,
    activeModel: () => currentManagedModel(),
    switchModel(slug) {
      const turn = switching.then(() => switchTo(slug))
      let timer: ReturnType<typeof setTimeout> | undefined
      const givenUp = new Promise<void>((resolve) => (timer = setTimeout(resolve, switchWaitMs)).unref())
      switching = Promise.race([turn.catch(() => {}), givenUp]).finally(() => clearTimeout(timer))
      return turn
    },
    // Absent where there is no Desktop: the page then does not offer it.
    ...(hasCodexDesktop(platform) && { restartDesktop: () => restartCodexDesktop({ platform }) }),
    quota: () => host.chatgpt?.quota.latest ?? null,
    health: async () => ({
      ok: true,
      version: host.version,
      uptime_s: Math.round((Date.now() - host.startedAt) / 1000),
      models: (await host.models()).length,
      chatgpt_passthrough: host.chatgpt?.usable() ?? false,
      cursor_passthrough: host.cursorPassthrough?.() ?? false,
      cooling_down: host.coolingDown?.() ?? [],
    }),
  }
}
