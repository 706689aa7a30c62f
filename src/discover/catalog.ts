import * as v from 'valibot'
import { ShimError } from '../errors.ts'
import { readShortMessage } from './upstream-text.ts'
import { describeNetworkError } from '../errors.ts'
import type { CatalogModel } from './types.ts'

/**
 * OpenAI-style `{data: [{id}]}`; OpenRouter adds `name`, `context_length` and `architecture`.
 * Items are checked one by one (ItemSchema): one malformed entry is skipped, not the whole listing.
 */
const ListingSchema = v.looseObject({ data: v.array(v.unknown()) })
const ItemSchema = v.looseObject({
  id: v.string(),
  name: v.optional(v.unknown()),
  context_length: v.optional(v.unknown()),
  architecture: v.optional(v.unknown()),
})

export interface ListingRequest {
  baseUrl: string
  /** Sent as `Authorization: Bearer`; keyless servers (Ollama) get no header. */
  apiKey?: string
  /** Names the key's variable in the hint after a 401. */
  apiKeyEnv?: string
  /** "OpenCode Go", "127.0.0.1:11434": for messages. */
  label: string
  headers?: Record<string, string>
  timeoutMs: number
  signal: AbortSignal
  fetch?: typeof fetch
}

/** Pages of a listing followed at most (a server that ignores `after_id` would loop for ever). */
const MAX_PAGES = 50

/**
 * GET {base}/models → the listed ids in listing order, without blanks or repeats. A paginated
 * listing (`has_more` with `last_id`, as Anthropic's) is followed page by page with `after_id`:
 * a refresh that read the first page only would remove the models on the others.
 */
export async function listCatalog(request: ListingRequest): Promise<CatalogModel[]> {
  const entries: unknown[] = []
  let after: string | undefined
  for (let page = 0; ; page++) {
    const { data, next } = await listPage(request, after)
    entries.push(...data)
    if (next === undefined) break
    if (next === after || page + 1 >= MAX_PAGES) throw new ShimError('upstream_http', `${request.label} /models says it has more models (has_more) but ${next === after ? 'gave the same page again for after_id' : `kept paging past ${MAX_PAGES} pages`}; nothing probed, nothing written: a refresh from part of the list would remove the rest.`)
    after = next
  }
  return catalogFrom(entries)
}

async function listPage(request: ListingRequest, after: string | undefined): Promise<{ data: unknown[]; next?: string }> {
  const url = `${request.baseUrl}/models${after === undefined ? '' : `?after_id=${encodeURIComponent(after)}`}`
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'codex-shim', ...request.headers }
  if (request.apiKey) headers.authorization = `Bearer ${request.apiKey}`
  let response: Response
  try {
    response = await (request.fetch ?? fetch)(url, { headers, signal: AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]), redirect: 'manual' })
  } catch (error) {
    if (request.signal.aborted) throw error
    throw new ShimError('upstream_unreachable', `Could not list models at ${url}: ${describeNetworkError(error)}. Is the server up and the base URL right?`)
  }
  if (response.status >= 300 && response.status < 400) {
    // Not followed (a redirect could carry the key elsewhere): where it points is the hint.
    const location = response.headers.get('location')
    let target = ''
    try {
      if (location) target = ` to ${(({ origin, pathname }) => origin + pathname)(new URL(location, url))}`
    } catch {}
    throw new ShimError('upstream_http', `${request.label} /models redirected (HTTP ${response.status}${target}); redirects are not followed: give the final address as the base URL.`, { status: response.status })
  }
  if (!response.ok) {
    const message = await readShortMessage(response, request.apiKey)
    const hint =
      response.status === 401 || response.status === 403
        ? request.apiKeyEnv ? ` Check $${request.apiKeyEnv}.` : ' The server wants a key: pass --key-env NAME.'
        : response.status === 404 && !/\/v1$/.test(request.baseUrl) ? ' Is the base URL right? OpenAI-compatible servers usually end in /v1.' : ''
    throw new ShimError('upstream_http', `${request.label} /models returned HTTP ${response.status}${message ? ` (${message})` : ''}.${hint}`, { status: response.status })
  }
  let json: unknown
  try {
    json = await response.json()
  } catch {
    json = null
  }
  const parsed = v.safeParse(ListingSchema, json)
  if (!parsed.success) throw new ShimError('upstream_http', `${request.label} /models did not answer with an OpenAI-style model list ({"data": [{"id": …}]}).`)
  const { has_more: more, last_id: last } = parsed.output as { has_more?: unknown; last_id?: unknown }
  return { data: parsed.output.data, next: more === true && typeof last === 'string' && last ? last : undefined }
}

/** C0, DEL and C1 controls (ESC, BEL, CSI among them). */
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/
const CONTROLS = new RegExp(CONTROL.source, 'g')

function catalogFrom(entries: unknown[]): CatalogModel[] {
  const seen = new Set<string>()
  const models: CatalogModel[] = []
  for (const entry of entries) {
    const checked = v.safeParse(ItemSchema, entry)
    if (!checked.success) continue
    const item = checked.output
    const id = item.id.trim()
    // The report and the progress lines print ids and names as they are, on a log or a terminal: a
    // control character there is an escape sequence. An id is sent back as is, so such an id is skipped.
    if (!id || CONTROL.test(id) || seen.has(id)) continue
    seen.add(id)
    const model: CatalogModel = { id }
    const name = typeof item.name === 'string' ? item.name.replace(CONTROLS, '').trim() : ''
    if (name) model.name = name
    if (typeof item.context_length === 'number' && Number.isInteger(item.context_length) && item.context_length > 0) model.contextLength = item.context_length
    const modalities = isRecord(item.architecture) ? item.architecture.input_modalities : undefined
    if (Array.isArray(modalities)) model.imageSupport = modalities.includes('image')
    models.push(model)
  }
  return models
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
