/**
 * Bun's fetch lets 256 requests with a body run at once, process-wide (its
 * BUN_CONFIG_MAX_HTTP_REQUESTS, read once at process start: setting it later
 * changes nothing). Past that, requests queue inside fetch, so 256 long
 * streams to one model would stall a short request to any other. The daemon
 * is started with the variable set from CODEX_SHIM_MAX_UPSTREAM_REQUESTS.
 */

export const DEFAULT_MAX_UPSTREAM_REQUESTS = 16_384
/** Bun refuses to start with a value past this. */
export const BUN_MAX_HTTP_REQUESTS_CEILING = 65_535
const BUN_DEFAULT = 256

/** The cap to start a server process with: CODEX_SHIM_MAX_UPSTREAM_REQUESTS, clamped to what Bun accepts. */
export function maxUpstreamRequests(env: Record<string, string | undefined> = process.env): number {
  const configured = Number(env.CODEX_SHIM_MAX_UPSTREAM_REQUESTS)
  if (!Number.isInteger(configured) || configured < 1) return DEFAULT_MAX_UPSTREAM_REQUESTS
  return Math.min(configured, BUN_MAX_HTTP_REQUESTS_CEILING)
}

/** The environment a server process must be spawned with so its fetch allows that many upstream requests. */
export function upstreamRequestEnv(env: Record<string, string | undefined> = process.env): { BUN_CONFIG_MAX_HTTP_REQUESTS: string } {
  return { BUN_CONFIG_MAX_HTTP_REQUESTS: String(maxUpstreamRequests(env)) }
}

/** The cap this process actually runs with (what its environment said at start). */
export function runningUpstreamCap(env: Record<string, string | undefined> = process.env): number {
  const value = Number(env.BUN_CONFIG_MAX_HTTP_REQUESTS)
  return Number.isInteger(value) && value >= 1 && value <= BUN_MAX_HTTP_REQUESTS_CEILING ? value : BUN_DEFAULT
}
