import type { QuotaSnapshot } from '../chatgpt/quota.ts'
import type { CoolingDown } from '../routing/breaker.ts'
import { runningUpstreamCap } from '../upstream/max-requests.ts'

/** What `/health` reports beside the fixed facts; the server answers it before the rest of the proxy loads. */
export interface HealthFacts {
  version: string
  startedAt: number
  models: number
  chatgptUsable(): boolean
  quota(): QuotaSnapshot | null
  /** The last known answer: probing cursor-agent here would slow the liveness check `start` waits on. */
  cursorPassthrough(): boolean
  store(): { entries: number; bytes: number }
  /** Models skipped after failing N times in a row, until their cool-down ends (epoch ms). */
  coolingDown(): CoolingDown[]
}

/**
 * The health answer. `full` is false for a caller without the token a proxy requires (the world,
 * through a tunnel): it hears that the proxy is up, its version and pid (which `stop` checks to
 * prove the process is the one it means to signal), not the plan's usage, the models cooling
 * down or the store's size.
 */
export function healthResponse(facts: HealthFacts, full = true): Response {
  if (!full) return new Response(JSON.stringify({ ok: true, name: 'codex-shim', version: facts.version, pid: process.pid }), { headers: { 'content-type': 'application/json' } })
  const body = {
    ok: true,
    name: 'codex-shim',
    version: facts.version,
    pid: process.pid,
    models: facts.models,
    uptime_s: Math.round((Date.now() - facts.startedAt) / 1000),
    chatgpt_passthrough: facts.chatgptUsable(),
    cursor_passthrough: facts.cursorPassthrough(),
    chatgpt_quota: facts.quota(),
    response_store: facts.store(),
    cooling_down: facts.coolingDown(),
    // Bun's cap on concurrent upstream requests, fixed when the process started (256 unless raised).
    max_upstream_requests: runningUpstreamCap(),
  }
  return new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })
}
