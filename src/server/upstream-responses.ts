import type { ResponseObject, ResponsesItem } from '../canonical/types.ts'
import { ShimError, toShimError } from '../errors.ts'
import { PROVIDERS } from '../providers/index.ts'
import type { ProviderKind, RequestContext, StoredCall } from '../providers/types.ts'
import { PREVIOUS_RESPONSE_UNAVAILABLE, previousResponseNotFound } from '../responses-store/expand.ts'
import type { ResponseStore, StoredResponse } from '../responses-store/store.ts'
import { providerOf } from '../routing/model-list.ts'
import type { ModelSettings, Settings } from '../settings/schema.ts'
import { resolveApiKey } from '../settings/secrets.ts'
import { readWhole } from '../upstream/http.ts'

// Responses a state-keeping upstream stored (an `openai-responses` entry: its fast path passes
// `store` and the ids through, so the shim's own store never saw them). Retrieval is forwarded to
// the upstream holding the id, and a stateless route asked to continue one (a fallback, a switch of
// model, the router) first reads its context from there into the shim's store.

/** The shim's copies of upstream responses (read in to continue one on a stateless route), by their frozen objects. */
const mirrored = new WeakSet<object>()

/** Whether the shim holds this response only as a copy: its retrieval and deletion belong upstream. */
export function isMirror(stored: StoredResponse): boolean {
  return mirrored.has(stored.response)
}

/** A chain walked back further than this is refused rather than read without end. */
const MAX_CHAIN = 64
/** Input-item pages read per response (100 items each). */
const MAX_PAGES = 200

/**
 * The configured upstreams that keep Responses state, each once: entries that share a base URL,
 * key and headers are one upstream (and one store). In settings order, which is the order they are asked.
 */
export function stateKeepers(settings: Settings): ModelSettings[] {
  const seen = new Set<string>()
  return settings.models.filter((model) => {
    if (!(PROVIDERS[model.provider_label] as ProviderKind).keepsState) return false
    let key: string | undefined
    try {
      key = resolveApiKey(model)
    } catch {
      return false // its key is missing: it cannot be asked, and a request it serves says why
    }
    const upstream = `${model.base_url}\n${key ?? ''}\n${JSON.stringify(model.extra_headers)}`
    if (seen.has(upstream)) return false
    seen.add(upstream)
    return true
  })
}

async function call(model: ModelSettings, request: StoredCall, context: RequestContext): Promise<Response | null> {
  const provider = await providerOf(model)
  return provider.stored ? await provider.stored(request, { slug: model.slug, model }, context) : null
}

/** What a response id looks like on every Responses server: nothing that could walk a URL path (`.`, `..`, `/`). */
const RESPONSE_ID = /^[A-Za-z0-9_-]{1,256}$/

/** Query fields of the retrieval endpoints: an upstream's 400 naming one is its refusal of the query, for a response it holds. */
const QUERY_FIELDS = new Set(['limit', 'order', 'after', 'before', 'include', 'stream', 'starting_after', 'include_obfuscation'])

/**
 * Whether an upstream's answer is the answer: the object asked for (the response, its list of
 * items, its deletion), a replay stream, or a refusal of the query. Anything else says only that
 * this upstream does not hold the id: a 404, a 400 for an id it could not have made, a server that
 * answers every unknown path with a 200 error (LM Studio).
 */
async function isTheAnswer(answer: Response, request: StoredCall, id: string): Promise<boolean> {
  const type = answer.headers.get('content-type') ?? ''
  if (answer.ok && type.includes('text/event-stream')) return true
  let body: Record<string, unknown> | null = null
  try {
    body = (await answer.clone().json()) as Record<string, unknown>
  } catch {
    return false
  }
  if (!answer.ok) {
    const param = (body?.error as { param?: unknown } | undefined)?.param
    return answer.status === 400 && typeof param === 'string' && QUERY_FIELDS.has(param)
  }
  if (request.path.endsWith('/input_items')) return body?.object === 'list' && Array.isArray(body.data)
  if (request.method === 'DELETE') return body?.deleted === true || body?.id === id
  return body?.object === 'response' && body.id === id
}

/**
 * The answer of the first upstream that holds the response; null when none does. An upstream
 * that fails (a refused key, unreachable) is passed over for the next; when none answers, its
 * error is the answer, since "not found" could be wrong.
 */
export async function forwardStored(request: StoredCall, keepers: readonly ModelSettings[], context: RequestContext): Promise<Response | null> {
  const id = decodeURIComponent(request.path.split('/')[0] ?? '')
  if (!RESPONSE_ID.test(id)) return null
  let failure: ShimError | undefined
  for (const model of keepers) {
    let answer: Response | null
    try {
      answer = await call(model, request, context)
    } catch (error) {
      failure ??= toShimError(error)
      continue
    }
    if (!answer) continue
    if (await isTheAnswer(answer, request, id)) return answer
    await answer.body?.cancel().catch(() => {})
  }
  if (failure) throw failure
  return null
}

/** A JSON answer from one upstream's store; null for a 404. */
async function readJson(model: ModelSettings, path: string, query: string, context: RequestContext): Promise<unknown> {
  const answer = await call(model, { method: 'GET', path, query }, context)
  if (!answer || answer.status === 404) return null
  const label = (await providerOf(model)).label(model)
  if (!answer.ok) throw new ShimError('upstream_http', `${label} refused to read stored response data (HTTP ${answer.status}).`, { status: 502 })
  const bytes = await readWhole(answer, { idleTimeoutMs: context.idleTimeoutMs, label })
  try {
    return JSON.parse(new TextDecoder().decode(bytes))
  } catch {
    throw new ShimError('upstream_http', `${label} answered a read of stored response data with something other than JSON.`, { status: 502 })
  }
}

function isResponse(value: unknown): value is ResponseObject {
  const response = value as ResponseObject | null
  return typeof response?.id === 'string' && Array.isArray(response.output)
}

interface ItemPage {
  data: ResponsesItem[]
  has_more?: unknown
  last_id?: unknown
}

async function itemPage(model: ModelSettings, id: string, query: string, context: RequestContext): Promise<ItemPage> {
  const list = (await readJson(model, `${encodeURIComponent(id)}/input_items`, query, context)) as ItemPage | null
  if (!list || !Array.isArray(list.data)) throw new ShimError('upstream_http', `${model.provider_label} did not list the input items of stored response '${id.slice(0, 128)}'.`, { status: 502 })
  return list
}

/** Every input item of a stored response, oldest first, page by page. */
async function inputItemsOf(model: ModelSettings, id: string, context: RequestContext): Promise<ResponsesItem[]> {
  const items: ResponsesItem[] = []
  let after: string | null = null
  for (let page = 0; page < MAX_PAGES; page++) {
    const list = await itemPage(model, id, `?order=asc&limit=100${after ? `&after=${encodeURIComponent(after)}` : ''}`, context)
    items.push(...list.data)
    if (list.has_more !== true) return items
    if (typeof list.last_id !== 'string') break
    after = list.last_id
  }
  throw new ShimError('upstream_http', `Stored response '${id.slice(0, 128)}' lists more than ${MAX_PAGES * 100} input items; codex-shim does not read that much back.`, { status: 502 })
}

/** An item without the id and status a server may add to a listed copy or leave out. */
function contentKey(item: ResponsesItem): string {
  const { id: _id, status: _status, ...content } = item as Record<string, unknown>
  return JSON.stringify(content)
}

/**
 * One stored response with its whole context, recorded in the shim's store. How far an upstream's
 * list of input items reaches back is not the same everywhere: some list the whole chain, some
 * only the response's own input. When the list holds none of the previous response's output
 * items, the previous response's context (read the same way) goes before it.
 */
async function importChain(id: string, model: ModelSettings, store: ResponseStore, context: RequestContext, seen: Set<string>, known?: ResponseObject): Promise<StoredResponse | null> {
  const held = store.get(id)
  if (held) return held
  const response = known ?? (await readJson(model, encodeURIComponent(id), '', context))
  if (!isResponse(response)) return null
  seen.add(id)
  let input = await inputItemsOf(model, id, context)
  const previousId = typeof response.previous_response_id === 'string' ? response.previous_response_id : null
  if (previousId) {
    if (seen.has(previousId) || !RESPONSE_ID.test(previousId)) throw new ShimError('bad_request', `Response '${id.slice(0, 128)}' continues a chain that ${model.provider_label} reports as circular or malformed, so its context cannot be rebuilt for this model. Send the whole input instead.`, { status: 400, param: 'previous_response_id' })
    const previous = store.get(previousId)?.response ?? (await readJson(model, encodeURIComponent(previousId), '', context))
    if (!isResponse(previous)) throw new ShimError('bad_request', `Response '${id.slice(0, 128)}' continues response '${previousId.slice(0, 128)}', which ${model.provider_label} no longer holds, so its context cannot be rebuilt for this model. Send the whole input instead.`, { status: 400, param: 'previous_response_id', code: 'previous_response_not_found' })
    // By id where the server lists ids (a listed copy may differ in fields), else by content.
    const earlierIds = new Set<unknown>(previous.output.map((item) => (item as { id?: unknown }).id).filter((itemId) => typeof itemId === 'string'))
    const earlierContent = new Set(previous.output.map(contentKey))
    if (!input.some((item) => earlierIds.has((item as { id?: unknown }).id) || earlierContent.has(contentKey(item)))) {
      if (seen.size >= MAX_CHAIN) throw new ShimError('bad_request', `Response '${id.slice(0, 128)}' continues a chain longer than ${MAX_CHAIN} responses; codex-shim does not read that much back from ${model.provider_label}. Send the whole input instead.`, { status: 400, param: 'previous_response_id' })
      const earlier = await importChain(previousId, model, store, context, seen, previous)
      if (!earlier) throw new ShimError('upstream_http', `${model.provider_label} lost response '${previousId.slice(0, 128)}' while it was being read.`, { status: 502 })
      input = [...earlier.input.map((stored) => stored.item), ...earlier.response.output, ...input]
    }
  }
  if (!store.record({ response, input })) {
    throw new ShimError('bad_request', `Response '${id.slice(0, 128)}' from ${model.provider_label} is larger than codex-shim's response store (CODEX_SHIM_RESPONSE_STORE_MB), so it cannot be continued on this model. Raise the limit, or send the whole input.`, { status: 400, param: 'previous_response_id' })
  }
  const recorded = store.get(id)
  if (recorded) mirrored.add(recorded.response)
  return recorded ?? null
}

/**
 * Before a stateless route expands `previous_response_id`: a response the shim does not hold is
 * read from the state-keeping upstream that does, with its context, into the shim's store. Throws
 * the API's "not found" when no upstream holds it.
 */
export async function importUpstreamResponse(id: string, store: ResponseStore, keepers: readonly ModelSettings[], context: RequestContext): Promise<void> {
  if (store.get(id)) return
  if (!RESPONSE_ID.test(id)) throw previousResponseNotFound(id)
  let failure: ShimError | undefined
  for (const model of keepers) {
    try {
      if (await importChain(id, model, store, context, new Set())) return
    } catch (error) {
      const shimError = toShimError(error)
      // The response was found and cannot be continued: that is the answer, not another upstream's 404.
      if (shimError.kind === 'bad_request') throw shimError
      failure ??= shimError
    }
  }
  if (!failure) throw previousResponseNotFound(id)
  // Its own code: the response may well exist, and a client that starts over on "not found" should not.
  throw new ShimError('upstream_http', `Previous response with id '${id.slice(0, 128)}' could not be read from the upstream that stored it, to continue it on this model: ${failure.message}`, { status: 502, code: PREVIOUS_RESPONSE_UNAVAILABLE, param: 'previous_response_id' })
}
