/** The client dialect a request came in as (the front door that parsed it). */
export type ClientDialect = 'responses' | 'chat' | 'messages'

/**
 * One line of the control page's "recent requests". Only these fields, by
 * design: never prompt text, keys, tokens or headers.
 */
export interface RecentRequest {
  /** Sequence number, assigned by the ring; the page uses it to drop duplicates. */
  id: number
  /** When the request arrived, ISO 8601. */
  time: string
  dialect: ClientDialect
  slug: string | null
  /** The internal label, `provider@host` (see upstreamLabel), ` (fast path)` after it when bytes passed through. */
  upstream: string | null
  /** The upstream's host alone, as the model list's `upstream_host`: what the page shows. Null for hostless ones (chatgpt, cursor-agent). */
  upstream_host: string | null
  status: number | null
  duration_ms: number | null
  /** Time to the first streamed token, when the request streamed. */
  ttft_ms: number | null
  tokens: { input: number; output: number; cached?: number; reasoning?: number } | null
}

/** The host is taken from the label when the caller does not say it. */
export type RecentRequestInput = Omit<RecentRequest, 'id' | 'upstream_host'> & { upstream_host?: string | null }

export const RING_CAPACITY = 200

const DIALECTS: ReadonlySet<string> = new Set(['responses', 'chat', 'messages'] satisfies ClientDialect[])

const count = (value: unknown): number | undefined => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined)
const numberOrNull = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? value : null)
const stringOrNull = (value: unknown): string | null => (typeof value === 'string' && value ? value : null)

/** `api.deepseek.com` from `generic-chat-completion-api@api.deepseek.com (fast path)`; null without an `@host`. */
export function upstreamHostOf(label: string | null): string | null {
  const at = label?.indexOf('@') ?? -1
  if (!label || at < 0) return null
  return label.slice(at + 1).split(' ')[0] || null
}

/**
 * Copies the known fields only: a caller that hands over a richer object (a
 * summary with a body attached, say) cannot leak the rest to the page.
 */
function pick(entry: RecentRequestInput, id: number): RecentRequest {
  const tokens = entry.tokens && typeof entry.tokens === 'object' ? entry.tokens : null
  const cached = count(tokens?.cached)
  const reasoning = count(tokens?.reasoning)
  const upstream = stringOrNull(entry.upstream)
  return {
    id,
    time: typeof entry.time === 'string' ? entry.time : new Date().toISOString(),
    dialect: DIALECTS.has(entry.dialect) ? entry.dialect : 'responses',
    slug: stringOrNull(entry.slug),
    upstream,
    upstream_host: stringOrNull(entry.upstream_host) ?? upstreamHostOf(upstream),
    status: numberOrNull(entry.status),
    duration_ms: numberOrNull(entry.duration_ms),
    ttft_ms: numberOrNull(entry.ttft_ms),
    tokens: tokens ? { input: count(tokens.input) ?? 0, output: count(tokens.output) ?? 0, ...(cached !== undefined && { cached }), ...(reasoning !== undefined && { reasoning }) } : null,
  }
}

/** The last N request summaries in memory, with listeners for the page's live stream. */
export class RequestRing {
  private readonly entries: RecentRequest[] = []
  private readonly listeners = new Set<(entry: RecentRequest) => void>()
  private next = 1

  constructor(readonly capacity = RING_CAPACITY) {}

  push(input: RecentRequestInput): RecentRequest {
    const entry = pick(input, this.next++)
    this.entries.push(entry)
    if (this.entries.length > this.capacity) this.entries.splice(0, this.entries.length - this.capacity)
    for (const listener of [...this.listeners]) {
      try {
        listener(entry)
      } catch {
        // A listener that throws (a closed stream) must not stop the others or the request.
      }
    }
    return entry
  }

  /** Oldest first. */
  list(): RecentRequest[] {
    return [...this.entries]
  }

  subscribe(listener: (entry: RecentRequest) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Open subscriptions (one per connected page); tests use it to prove cleanup. */
  get subscribers(): number {
    return this.listeners.size
  }
}
