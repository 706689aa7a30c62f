import { randomIds, type IdGenerator } from '../canonical/builder.ts'
import type { ResponseObject, ResponsesItem, ResponsesRequest } from '../canonical/types.ts'
import { itemIdPrefix } from './item-id-prefix.ts'
import { DEFAULT_STORE_MB, DEFAULT_STORE_TTL_SECONDS, type StoreLimits } from './options.ts'

/** An item as listed by `GET /v1/responses/{id}/input_items`: its own id, or one given at record time. */
export interface StoredItem {
  readonly id: string
  readonly item: ResponsesItem
}

export interface StoredResponse {
  readonly response: ResponseObject
  /** The resolved input (after `previous_response_id` and `item_reference` expansion), in order. */
  readonly input: readonly StoredItem[]
}

export interface RecordEntry {
  /** The final response object, as in `response.completed` (with `output`). */
  response: ResponseObject
  /** The RESOLVED input items, i.e. after expansion. */
  input: readonly ResponsesItem[]
  /** Kept on the stored response object, as the API returns it; never carried into a continuation. */
  instructions?: string | null
}

export interface StoreStats {
  entries: number
  bytes: number
  limitBytes: number
}

export interface ResponseStoreOptions extends Partial<StoreLimits> {
  now?: () => number
  ids?: IdGenerator
}

/**
 * One item held once however many entries hold it: a `previous_response_id`
 * chain hands each turn the same objects again (expansion does not copy), so
 * turn n does not hold turns 1…n-1 a second time, in memory or in the count.
 */
interface PooledItem extends StoredItem {
  readonly bytes: number
  refs: number
  /** The entry that recorded it last: `item_reference` lookups keep that one fresh. */
  owner: string
}

interface Entry {
  readonly id: string
  readonly response: ResponseObject
  readonly input: PooledItem[]
  readonly output: PooledItem[]
  readonly ownBytes: number
  lastUsed: number
}

/** Per item reference an entry holds (the pointer, its place in two arrays): a rough, fixed figure. */
const REFERENCE_BYTES = 16

/**
 * Stored responses for `previous_response_id`, `item_reference` and the
 * retrieval endpoints. In memory only (prompts never reach disk or a log),
 * bounded by bytes (the JSON length of what is held, counted once at record)
 * and by idle time; the least recently used entry goes first, and its items
 * with it unless another entry still holds them. Map order is recency order.
 */
export class ResponseStore {
  readonly limitBytes: number
  private readonly ttlMs: number
  private readonly now: () => number
  private readonly ids: IdGenerator
  private readonly entries = new Map<string, Entry>()
  private readonly pool = new Map<ResponsesItem, PooledItem>()
  private readonly byItemId = new Map<string, PooledItem[]>()
  private bytes = 0

  constructor(options: ResponseStoreOptions = {}) {
    this.limitBytes = options.limitBytes ?? DEFAULT_STORE_MB * 1024 * 1024
    this.ttlMs = options.ttlMs ?? DEFAULT_STORE_TTL_SECONDS * 1000
    this.now = options.now ?? Date.now
    this.ids = options.ids ?? randomIds
  }

  /**
   * Records a finished response under its id, with its input and output items
   * under theirs. Items become read-only: later requests share them. Returns
   * false when nothing was kept (store off, or one entry larger than the cap).
   */
  record(entry: RecordEntry): boolean {
    if (this.limitBytes <= 0) return false
    this.sweepExpired()
    const id = entry.response.id
    const response = entry.instructions === undefined || 'instructions' in entry.response ? entry.response : { ...entry.response, instructions: entry.instructions }
    // Priced before anything changes, so an entry too big for the cap evicts nothing. Its whole
    // weight counts, the pooled items it shares with earlier turns too: once the others are
    // evicted, those stay for this entry alone. (Counting only its new items, a chain past the cap
    // evicted every other entry and then itself.)
    const newSizes = new Map<ResponsesItem, number>()
    let shared = 0
    const counted = new Set<ResponsesItem>()
    for (const item of [...entry.input, ...response.output]) {
      if (counted.has(item)) continue
      counted.add(item)
      const pooled = this.pool.get(item)
      if (pooled) shared += pooled.bytes
      else newSizes.set(item, JSON.stringify(item).length)
    }
    const ownBytes = JSON.stringify({ ...response, output: [] }).length + REFERENCE_BYTES * (entry.input.length + response.output.length)
    let cost = ownBytes + shared
    for (const size of newSizes.values()) cost += size
    if (cost > this.limitBytes) return false

    deepFreeze(response)
    const input = entry.input.map((item) => this.retain(item, id, newSizes))
    const output = response.output.map((item) => this.retain(item, id, newSizes))
    const existing = this.entries.get(id)
    if (existing) this.remove(existing) // after retaining, so items both hold are not dropped and re-added
    this.entries.set(id, { id, response, input, output, ownBytes, lastUsed: this.now() })
    this.bytes += ownBytes
    for (const older of this.entries.values()) {
      if (this.bytes <= this.limitBytes) break
      if (older.id !== id) this.remove(older) // oldest first; the new entry fits on its own (priced above)
    }
    return true
  }

  /** The stored response, freshened for LRU; undefined when unknown, expired or deleted. */
  get(id: string): StoredResponse | undefined {
    const entry = this.live(id)
    if (!entry) return undefined
    this.touch(entry)
    return entry
  }

  /** A stored item by its id (for `item_reference`); freshens the entry that holds it. */
  item(id: string): ResponsesItem | undefined {
    this.sweepExpired()
    const pooled = this.byItemId.get(id)?.at(-1)
    if (!pooled) return undefined
    const owner = this.live(pooled.owner)
    if (owner) this.touch(owner)
    return pooled.item
  }

  delete(id: string): boolean {
    const entry = this.live(id)
    if (!entry) return false
    this.remove(entry)
    return true
  }

  stats(): StoreStats {
    this.sweepExpired()
    return { entries: this.entries.size, bytes: this.bytes, limitBytes: this.limitBytes }
  }

  private live(id: string): Entry | undefined {
    const entry = this.entries.get(id)
    if (entry && this.now() - entry.lastUsed > this.ttlMs) {
      this.remove(entry)
      return undefined
    }
    return entry
  }

  private touch(entry: Entry): void {
    entry.lastUsed = this.now()
    this.entries.delete(entry.id)
    this.entries.set(entry.id, entry)
  }

  /** Least recently used first, so expired entries sit at the front. */
  private sweepExpired(): void {
    const now = this.now()
    for (const entry of this.entries.values()) {
      if (now - entry.lastUsed <= this.ttlMs) break
      this.remove(entry)
    }
  }

  private retain(item: ResponsesItem, owner: string, sizes: ReadonlyMap<ResponsesItem, number>): PooledItem {
    let pooled = this.pool.get(item)
    if (!pooled) {
      deepFreeze(item)
      const own = typeof item.id === 'string' && item.id ? item.id : undefined
      pooled = { id: own ?? this.ids(itemIdPrefix(item.type)), item, bytes: sizes.get(item) ?? JSON.stringify(item).length, refs: 0, owner }
      this.pool.set(item, pooled)
      const sameId = this.byItemId.get(pooled.id)
      if (sameId) sameId.push(pooled)
      else this.byItemId.set(pooled.id, [pooled])
      this.bytes += pooled.bytes
    }
    pooled.refs++
    pooled.owner = owner
    return pooled
  }

  private release(pooled: PooledItem): void {
    if (--pooled.refs > 0) return
    this.pool.delete(pooled.item)
    this.bytes -= pooled.bytes
    const sameId = this.byItemId.get(pooled.id)
    const remaining = sameId?.filter((other) => other !== pooled) ?? []
    if (remaining.length) this.byItemId.set(pooled.id, remaining)
    else this.byItemId.delete(pooled.id)
  }

  private remove(entry: Entry): void {
    if (this.entries.get(entry.id) !== entry) return
    this.entries.delete(entry.id)
    this.bytes -= entry.ownBytes
    for (const pooled of entry.input) this.release(pooled)
    for (const pooled of entry.output) this.release(pooled)
  }
}

/** `store` defaults to true on the Responses API; only an explicit false keeps nothing. */
export function shouldStore(request: Pick<ResponsesRequest, 'store'>): boolean {
  return request.store !== false
}

/**
 * Whether a request body, as the client sent it and not yet validated, asks
 * anything of the store: to be stored (the API's default), an earlier
 * response, an item by reference, or a conversation (which is refused). A
 * fast path whose request asks none of it (Codex sends `store: false` and
 * its whole context) passes it on without validating or expanding it.
 */
export function touchesStore(body: unknown): boolean {
  const request = body as { store?: unknown; previous_response_id?: unknown; conversation?: unknown; input?: unknown }
  if (shouldStore(request as { store?: boolean }) || request.previous_response_id != null || request.conversation != null) return true
  return hasItemReference(body)
}

/** Whether a request body, not yet validated, holds an `item_reference` in its input. */
export function hasItemReference(body: unknown): boolean {
  const input = (body as { input?: unknown }).input
  if (!Array.isArray(input)) return false
  for (const item of input) if (typeof item === 'object' && item !== null && (item as { type?: unknown }).type === 'item_reference') return true
  return false
}

/** Stored items are shared between entries and requests: a write to one would change them all. */
function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  Object.freeze(value)
  for (const child of Object.values(value)) deepFreeze(child)
  return value
}
