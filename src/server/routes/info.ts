import { presentsToken } from '../auth.ts'
import { healthResponse } from '../health.ts'
import type { RouteContext } from '../context.ts'

export function json(value: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json', ...headers } })
}

export function health({ deps, store, models, breaker, request }: RouteContext): Response {
  return healthResponse({
    version: deps.version,
    startedAt: deps.startedAt,
    models: deps.settings.models.length,
    chatgptUsable: () => deps.chatgpt?.usable() ?? false,
    quota: () => deps.chatgpt?.quota.latest ?? null,
    cursorPassthrough: () => models.cursorPassthrough(),
    store: () => (({ entries, bytes }) => ({ entries, bytes }))(store.stats()),
    coolingDown: () => breaker.coolingDown(),
  }, !deps.token || presentsToken(request, deps.token))
}

/**
 * `GET /v1/models`: the OpenAI list shape for SDKs, or Codex's catalog shape
 * (`{models:[…]}`) when Codex asks with `?client_version=` (spec §h), so
 * `model_catalog_url` works without files.
 */
export async function models({ deps, url, request, models: list }: RouteContext): Promise<Response> {
  if (url.searchParams.has('client_version')) return json(await deps.catalog())
  // The subscription's models are listed only while a usable login exists.
  const listed = await list.all()
  // Anthropic clients (Claude Code, the Anthropic SDK) send anthropic-version and expect its list shape.
  if (request.headers.has('anthropic-version')) {
    const data = listed.map((entry) => ({ type: 'model', id: entry.id, display_name: entry.display_name, created_at: new Date(deps.startedAt).toISOString() }))
    return json({ data, has_more: false, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null })
  }
  return json({
    object: 'list',
    data: listed.map((entry) => ({
      id: entry.id,
      object: 'model',
      created: Math.floor(deps.startedAt / 1000),
      owned_by: entry.provider,
      display_name: entry.display_name,
    })),
  })
}

/** What a program finds at `/`: every endpoint it may call (the README's Endpoints table, in one line each). */
const ENDPOINTS = [
  'GET /health',
  'GET /v1/models',
  'POST /v1/responses',
  'POST /v1/responses/compact',
  'GET /v1/responses/{id}',
  'GET /v1/responses/{id}/input_items',
  'DELETE /v1/responses/{id}',
  'POST /v1/chat/completions',
  'POST /v1/messages',
  'POST /v1/messages/count_tokens',
  'GET /api/usage',
  'GET / (the control page, for browsers)',
]

export function root(): Response {
  return json({ ok: true, name: 'codex-shim', endpoints: ENDPOINTS })
}
