import type { ResponsesItem } from '../canonical/types.ts'
import { formatEvent, SSE_HEADERS } from '../sse/encode.ts'
import { apiError, responseNotFound } from './_api-error.ts'
import { replayResponseEvents } from '../dialects/responses/replay.ts'
import type { StoredCall } from '../providers/types.ts'
import type { ResponseStore, StoredItem, StoredResponse } from './store.ts'

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { 'content-type': 'application/json' } })

/** `GET /v1/responses/{id}`: the stored response object; `?stream=true` replays it as SSE. */
export function retrieveResponse(store: ResponseStore, id: string, query: URLSearchParams = new URLSearchParams()): Response {
  const stored = store.get(id)
  if (!stored) return responseNotFound(id)
  if (query.get('stream') !== 'true') return json(stored.response)
  const startingAfter = query.get('starting_after')
  const after = startingAfter === null ? -1 : Number(startingAfter)
  if (!Number.isInteger(after) || after < -1) {
    return apiError(400, `Invalid 'starting_after': expected an event sequence number (an integer of 0 or more), got "${String(startingAfter).slice(0, 32)}".`, { param: 'starting_after' })
  }
  const text = replayResponseEvents(stored.response)
    .filter((event) => (event.sequence_number ?? 0) > after)
    .map((event) => formatEvent(event))
    .join('')
  return new Response(text, { headers: SSE_HEADERS })
}

/** `DELETE /v1/responses/{id}`. */
export function deleteResponse(store: ResponseStore, id: string): Response {
  return store.delete(id) ? deleted(id) : responseNotFound(id)
}

const deleted = (id: string) => json({ id, object: 'response', deleted: true })

/**
 * `GET /v1/responses/{id}/input_items?limit=&order=&after=&before=`: the
 * resolved input, newest first by default, 1–100 per page (default 20).
 * `after` pages onward from an item id, `before` back toward the start.
 */
export function listInputItems(store: ResponseStore, id: string, query: URLSearchParams = new URLSearchParams()): Response {
  const stored = store.get(id)
  if (!stored) return responseNotFound(id)
  const limit = parseLimit(query.get('limit'))
  if (limit instanceof Response) return limit
  const order = query.get('order') ?? 'desc'
  if (order !== 'asc' && order !== 'desc') {
    return apiError(400, `Invalid value: '${order.slice(0, 32)}'. Supported values are: 'asc' and 'desc'.`, { param: 'order', code: 'invalid_value' })
  }
  const ordered = order === 'asc' ? stored.input : [...stored.input].reverse()
  const bounds: { after?: number; before?: number } = {}
  for (const cursor of ['after', 'before'] as const) {
    const itemId = query.get(cursor)
    if (itemId === null) continue
    const at = ordered.findIndex((entry) => entry.id === itemId)
    if (at < 0) return apiError(400, `Invalid '${cursor}': no input item with id '${itemId.slice(0, 128)}' in response '${id.slice(0, 128)}'.`, { param: cursor })
    bounds[cursor] = at
  }
  const window = ordered.slice(bounds.after === undefined ? 0 : bounds.after + 1, bounds.before ?? ordered.length)
  // `before` alone asks for the page just before the cursor, so it keeps the end of the window.
  const page = bounds.before !== undefined && bounds.after === undefined ? window.slice(-limit) : window.slice(0, limit)
  const data = page.map(listedItem)
  return json({ object: 'list', data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: window.length > page.length })
}

function parseLimit(raw: string | null): number | Response {
  if (raw === null) return 20
  const value = Number(raw)
  if (raw.trim() === '' || !Number.isInteger(value)) {
    return apiError(400, `Invalid 'limit': expected an integer between 1 and 100, got "${raw.slice(0, 32)}".`, { param: 'limit' })
  }
  if (value < 1) return apiError(400, `Invalid 'limit': integer below minimum value. Expected a value >= 1, but got ${value} instead.`, { param: 'limit', code: 'integer_below_min_value' })
  if (value > 100) return apiError(400, `Invalid 'limit': integer above maximum value. Expected a value <= 100, but got ${value} instead.`, { param: 'limit', code: 'integer_above_max_value' })
  return value
}

const ITEMS_WITH_STATUS = new Set(['message', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output'])

/**
 * An input item as the API lists it: with its id, a message's text as
 * content parts, and a status ("populated when items are returned via API",
 * per the SDK's types). What is stored, and what a continuation sends on, is
 * unchanged.
 */
function listedItem(stored: StoredItem): ResponsesItem & { id: string } {
  const { id: _own, ...item } = stored.item as Record<string, unknown>
  const listed: Record<string, unknown> & { id: string; type: string } = { id: stored.id, ...item, type: stored.item.type }
  if (listed.type === 'message' && typeof listed.content === 'string') {
    listed.content = [listed.role === 'assistant' ? { type: 'output_text', text: listed.content, annotations: [] } : { type: 'input_text', text: listed.content }]
  }
  if (ITEMS_WITH_STATUS.has(listed.type) && listed.status === undefined) listed.status = 'completed'
  return listed as ResponsesItem & { id: string }
}

/** The responses a state-keeping upstream holds (server/upstream-responses.ts), for ids the shim made none of. */
export interface UpstreamStore {
  /** Whether an entry the shim holds is only its copy of an upstream's (read in to continue it elsewhere): retrieval goes upstream. */
  mirrors(stored: StoredResponse): boolean
  /** The upstream's answer; null when no upstream holds the response. */
  forward(call: StoredCall): Promise<Response | null>
}

/**
 * `/v1/responses/{id}` and `/v1/responses/{id}/input_items` (with or without `/v1`), or null for
 * any other request. A response the shim did not make is asked of `upstream`.
 */
export function routeStoredResponses(store: ResponseStore, request: Request): Response | null
export function routeStoredResponses(store: ResponseStore, request: Request, upstream: UpstreamStore | undefined): Response | Promise<Response> | null
export function routeStoredResponses(store: ResponseStore, request: Request, upstream?: UpstreamStore): Response | Promise<Response> | null {
  const url = new URL(request.url)
  const match = /^(?:\/v1)?\/responses\/([^/]+)(\/input_items)?\/?$/.exec(url.pathname)
  if (!match?.[1]) return null
  let id: string
  try {
    id = decodeURIComponent(match[1])
  } catch {
    return apiError(400, 'Invalid response id in the URL: it is not valid percent-encoding.', { param: 'response_id' })
  }
  // HEAD is answered as GET: the server sends its headers and drops the body.
  const method = request.method === 'HEAD' ? 'GET' : request.method
  if (method !== 'GET' && (match[2] || method !== 'DELETE')) return null
  const held = store.get(id)
  if (!upstream || (held && !upstream.mirrors(held))) {
    if (match[2]) return listInputItems(store, id, url.searchParams)
    return method === 'GET' ? retrieveResponse(store, id, url.searchParams) : deleteResponse(store, id)
  }
  return forwarded(store, upstream, { method, path: `${encodeURIComponent(id)}${match[2] ?? ''}`, query: url.search }, id)
}

async function forwarded(store: ResponseStore, upstream: UpstreamStore, call: StoredCall, id: string): Promise<Response> {
  // The copy goes with the original: a later continuation must not find what the user deleted.
  const droppedCopy = call.method === 'DELETE' && store.delete(id)
  const answer = await upstream.forward(call)
  if (answer) return answer
  return droppedCopy ? deleted(id) : responseNotFound(id)
}
