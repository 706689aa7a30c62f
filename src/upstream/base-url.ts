/** The host part of a base URL (never the rest: userinfo and query strings can carry keys). */
export interface BaseUrlHost {
  /** `host:port` as written (the label, the ledger, the control page). */
  host: string
  /** The name alone, lower-cased (provider quirks, OpenCode detection). */
  hostname: string
}

// Settings name a handful of base URLs, and the request path asks about them on every request
// (log label, ledger host, OpenCode session, OpenAI quirks): each is parsed once.
const parsed = new Map<string, BaseUrlHost | null>()

/** The base URL's host, or null when it is empty or not a URL (a subprocess provider has none). */
export function baseUrlHost(baseUrl: string): BaseUrlHost | null {
  let entry = parsed.get(baseUrl)
  if (entry === undefined) {
    try {
      const url = new URL(baseUrl)
      entry = url.host ? { host: url.host, hostname: url.hostname.toLowerCase() } : null
    } catch {
      entry = null
    }
    // A bound keeps a pathological caller from growing this.
    if (parsed.size < 1024) parsed.set(baseUrl, entry)
  }
  return entry
}
