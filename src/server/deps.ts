import { chatgptDisabled } from '../chatgpt/auth.ts'
import { ChatgptService } from '../chatgpt/service.ts'
import { log } from '../log.ts'
import type { Settings } from '../settings/schema.ts'
import { ledgerDisabledByEnv, openLedger, type Ledger } from '../usage/ledger.ts'
import { retryPolicyFromEnv } from '../upstream/retry.ts'
import { VERSION } from '../version.ts'
import type { ServerDeps } from './context.ts'
import { buildHostAllowlist } from './guard.ts'
import { once } from './lazy-routes.ts'

// The proxy's services (the ChatGPT login, the usage ledger, retries, the Codex catalog):
// built with the first request that is not `/health`, after the server listens (serve.ts).

export const DEFAULT_IDLE_TIMEOUT_MS = 300_000

export function idleTimeoutFromEnv(): number {
  const value = Number(process.env.CODEX_SHIM_IDLE_TIMEOUT_MS)
  return Number.isFinite(value) && value >= 0 && process.env.CODEX_SHIM_IDLE_TIMEOUT_MS ? value : DEFAULT_IDLE_TIMEOUT_MS
}

/**
 * The usage ledger, opened (file, schema, first prune) by the first row or
 * read rather than at start-up; `close` on a ledger never opened writes nothing.
 */
export function ledgerOnFirstUse(open: () => Ledger = openLedger): Ledger {
  let ledger: Ledger | null = null
  const opened = () => (ledger ??= open())
  return {
    // Known once it is opened (a file that cannot be opened turns it off); until then, what the environment says.
    get enabled() {
      return ledger ? ledger.enabled : !ledgerDisabledByEnv()
    },
    append: (row) => opened().append(row),
    flush: (limit) => ledger?.flush(limit) ?? 0,
    flushed: async () => (await ledger?.flushed()) ?? 0,
    summarise: (query) => opened().summarise(query),
    stats: () => ledger?.stats() ?? { queued: 0, dropped: 0, written: 0 },
    close: () => ledger?.close(),
  }
}

/** Codex's catalog (`/v1/models?client_version=`): its modules and Codex's own prompt load with the first request for it. */
function catalogOnFirstUse(settings: Settings, chatgpt: ChatgptService | null): ServerDeps['catalog'] {
  const build = once(async () => {
    const [{ ModelList }, { pickBaseInstructions, loadBundledCatalog }, { FALLBACK_INSTRUCTIONS }] = await Promise.all([
      import('../routing/model-list.ts'),
      import('../codex/bundled.ts'),
      import('../codex/catalog.ts'),
    ])
    const models = new ModelList(settings, { chatgpt })
    // Read from the installed Codex once (it runs `codex`, which the proxy does not wait on idle).
    const instructions = pickBaseInstructions(await loadBundledCatalog()) ?? FALLBACK_INSTRUCTIONS
    return () => models.catalog(instructions)
  })
  return async () => (await build())()
}

/** What the listening server already holds when the rest of the proxy loads: shared, not copied. */
export interface ServerShell {
  host: string
  port: number
  startedAt?: number
  /** The Host allowlist; `start --tunnel` adds its public name after listening. */
  allowedHosts?: Set<string>
  token?: string
}

/** Deps for a real server; tests build their own. */
export function createDeps(settings: Settings, options: ServerShell): ServerDeps {
  const chatgpt = chatgptDisabled() ? null : new ChatgptService()
  return {
    chatgpt,
    // Rows are queued in memory and written every 250 ms off the request path.
    ledger: ledgerOnFirstUse(),
    settings,
    version: VERSION,
    startedAt: options.startedAt ?? Date.now(),
    bindHost: options.host,
    port: options.port,
    allowedHosts: options.allowedHosts ?? buildHostAllowlist(options.host),
    log: log.withTag('proxy'),
    fetch: globalThis.fetch,
    idleTimeoutMs: idleTimeoutFromEnv(),
    retry: retryPolicyFromEnv(),
    token: 'token' in options ? options.token : process.env.CODEX_SHIM_TOKEN || undefined,
    catalog: catalogOnFirstUse(settings, chatgpt),
  }
}
