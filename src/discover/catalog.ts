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

/** GET {base}/models → the listed ids in listing order, without blanks or repeats. */
export async function listCatalog(request: ListingRequest): Promise<CatalogModel[]> {
  const url = `${request.baseUrl}/models`
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'codex-shim', ...request.headers }
  if (request.apiKey) headers.authorization = `Bearer ${request.apiKey}`
  let response: Response
  try {
    response = await (request.fetch ?? fetch)(url, { headers, signal: AbortSignal.any([request.signal, AbortSignal.timeout(request.timeoutMs)]), redirect: 'manual' })
  } catch (error) {
    if (request.signal.aborted) throw error
    throw new ShimError('upstream_unreachable', `Could not list models at ${url}: ${describeNetworkError(error)}. Is the server up and the base URL right?`)
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
  return catalogFrom(parsed.output.data)
}

function catalogFrom(entries: unknown[]): CatalogModel[] {
  const seen = new Set<string>()
  const models: CatalogModel[] = []
  for (const entry of entries) {
    const checked = v.safeParse(ItemSchema, entry)
    if (!checked.success) continue
    const item = checked.output
    const id = item.id.trim()
    if (!id || seen.has(id)) continue
    seen.add(id)
    const model: CatalogModel = { id }
    if (typeof item.name === 'string' && item.name.trim()) model.name = item.name.trim()
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
