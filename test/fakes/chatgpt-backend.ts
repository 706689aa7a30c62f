/**
 * A fake ChatGPT Codex backend plus its OAuth token endpoint (spec §f–§h).
 * The backend accepts only the current access token (401 otherwise) and
 * enforces what the real one does: `store: false`, `stream: true`, no
 * `max_output_tokens`, errors as `{"detail": …}`. Refresh tokens rotate:
 * redeeming one twice answers `refresh_token_reused`.
 */
import { writeFileSync } from 'node:fs'
import type { Json } from './chat-upstream.ts'

export function makeJwt(claims: Json): string {
  const part = (value: Json) => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part(claims)}.sig`
}

export const ACCOUNT_ID = 'acct-fake-123'
export const nowS = () => Math.floor(Date.now() / 1000)
export const idToken = (plan = 'plus') => makeJwt({ email: 'u@example.com', 'https://api.openai.com/auth': { chatgpt_account_id: ACCOUNT_ID, chatgpt_plan_type: plan } })

export function writeAuth(path: string, tokens: { access: string; refresh: string }, extra: Json = {}): string {
  const text = `${JSON.stringify({ auth_mode: 'chatgpt', OPENAI_API_KEY: null, tokens: { id_token: idToken(), access_token: tokens.access, refresh_token: tokens.refresh, account_id: ACCOUNT_ID }, last_refresh: '2026-11-01T00:00:00Z', ...extra }, null, 2)}\n`
  writeFileSync(path, text, { mode: 0o600 })
  return text
}

export type BackendReply = { kind: 'events'; events: Json[]; headers?: Record<string, string> } | { kind: 'status'; status: number; body: Json | string; headers?: Record<string, string> }

export const RATE_HEADERS = {
  'x-codex-primary-used-percent': '42.5',
  'x-codex-primary-window-minutes': '300',
  'x-codex-primary-reset-at': '1795270000',
  'x-codex-secondary-used-percent': '12',
  'x-codex-secondary-window-minutes': '10080',
  'x-codex-secondary-reset-at': '1795800000',
  'x-codex-credits-has-credits': 'true',
  'x-codex-credits-unlimited': 'false',
  'x-codex-credits-balance': '17.50',
}

/** A Codex-shaped answer: text and an optional exec_command call, with usage. */
export function backendEvents(text: string, call?: { id: string; cmd: string }): Json[] {
  const output: Json[] = [{ type: 'message', id: 'msg_b1', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text, annotations: [] }] }]
  if (call) output.push({ type: 'function_call', id: 'fc_b1', call_id: call.id, name: 'exec_command', arguments: JSON.stringify({ cmd: call.cmd }), status: 'completed' })
  const events: Json[] = [
    { type: 'response.created', response: { id: 'resp_b1', status: 'in_progress', output: [] } },
    { type: 'keepalive' },
    { type: 'response.output_item.added', output_index: 0, item: { ...output[0], status: 'in_progress', content: [] } },
    { type: 'response.content_part.added', item_id: 'msg_b1', output_index: 0, content_index: 0, part: { type: 'output_text', text: '' } },
    { type: 'response.output_text.delta', item_id: 'msg_b1', output_index: 0, content_index: 0, delta: text },
    { type: 'response.output_item.done', output_index: 0, item: output[0] },
    { type: 'codex.rate_limits', primary: { used_percent: 42.5 } },
  ]
  if (call) events.push({ type: 'response.output_item.added', output_index: 1, item: { ...output[1], arguments: '' } }, { type: 'response.output_item.done', output_index: 1, item: output[1] })
  // The real backend sends `output: []` in completed; clients must use output_item.done.
  events.push({ type: 'response.completed', response: { id: 'resp_b1', status: 'completed', output: [], usage: { input_tokens: 900, input_tokens_details: { cached_tokens: 800 }, output_tokens: 30, output_tokens_details: { reasoning_tokens: 10 }, total_tokens: 930 } } })
  return events
}

export interface FakeChatgpt {
  base: string
  tokenUrl: string
  /** The access token the backend accepts right now. */
  validAccess: string
  /** The `client_version` of each model-list request, in order. */
  modelListVersions: string[]
  requests: { headers: Record<string, string>; body: Json }[]
  refreshes: Json[]
  respond: (body: Json) => BackendReply
  /** Called when the backend answers 401 (tests use it to simulate Codex refreshing meanwhile). */
  on401?: () => void
  /** Make the next N refreshes fail: 'permanent' (refresh_token_expired) or 'transient' (500). */
  failRefresh: { mode: 'permanent' | 'transient' | 'unauthorized'; times: number } | null
  models: Json[]
  close: () => void
}

export function startFakeChatgpt(options: { models?: Json[] } = {}): FakeChatgpt {
  const redeemed = new Set<string>()
  let issued = 0
  const state: FakeChatgpt = {
    base: '',
    tokenUrl: '',
    validAccess: makeJwt({ exp: nowS() + 3600, n: 0 }),
    modelListVersions: [],
    requests: [],
    refreshes: [],
    respond: () => ({ kind: 'events', events: backendEvents('Hello from ChatGPT.') }),
    failRefresh: null,
    models: options.models ?? [{ slug: 'gpt-5.5', display_name: 'GPT-5.5', supported_reasoning_levels: [{ effort: 'low' }, { effort: 'medium' }, { effort: 'high' }, { effort: 'xhigh' }] }],
    close: () => server.stop(true),
  }
  const encoder = new TextEncoder()
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    async fetch(request) {
      const url = new URL(request.url)
      const headers = Object.fromEntries(request.headers)
      if (url.pathname === '/oauth/token' && request.method === 'POST') {
        const body = (await request.json()) as Json
        state.refreshes.push({ ...body, _user_agent: headers['user-agent'] })
        if (body.client_id !== 'app_EMoamEEZ73f0CkXaXp7hrann' || body.grant_type !== 'refresh_token') return Response.json({ error: 'invalid_request' }, { status: 400 })
        if (state.failRefresh && state.failRefresh.times > 0) {
          state.failRefresh.times--
          if (state.failRefresh.mode === 'transient') return new Response('upstream hiccup', { status: 500 })
          if (state.failRefresh.mode === 'unauthorized') return Response.json({ error: { message: 'nope' } }, { status: 401 })
          return Response.json({ error: { code: 'refresh_token_expired', message: 'expired' } }, { status: 400 })
        }
        if (redeemed.has(body.refresh_token)) return Response.json({ error: { code: 'refresh_token_reused', message: 'already used' } }, { status: 400 })
        redeemed.add(body.refresh_token)
        issued++
        state.validAccess = makeJwt({ exp: nowS() + 3600, n: issued })
        return Response.json({ access_token: state.validAccess, refresh_token: `rt-rotated-${issued}`, id_token: idToken() })
      }
      if (url.pathname === '/backend-api/codex/models') {
        state.modelListVersions.push(url.searchParams.get('client_version') ?? '')
        if (headers.authorization !== `Bearer ${state.validAccess}`) return Response.json({ detail: 'Unauthorized' }, { status: 401 })
        const etag = '"models-v1"'
        if (headers['if-none-match'] === etag) return new Response(null, { status: 304, headers: { etag } })
        return Response.json({ models: state.models }, { headers: { etag } })
      }
      if (url.pathname === '/backend-api/codex/responses' && request.method === 'POST') {
        const body = (await request.json()) as Json
        state.requests.push({ headers, body })
        if (headers.authorization !== `Bearer ${state.validAccess}`) {
          state.on401?.()
          return Response.json({ detail: 'Could not validate credentials' }, { status: 401 })
        }
        if (headers['chatgpt-account-id'] !== ACCOUNT_ID) return Response.json({ detail: 'Missing account' }, { status: 403 })
        if (body.store !== false) return Response.json({ detail: 'Store must be set to false' }, { status: 400 })
        if (body.stream !== true) return Response.json({ detail: 'Stream must be set to true' }, { status: 400 })
        for (const key of ['max_output_tokens', 'temperature', 'top_p']) if (key in body) return Response.json({ detail: `Unsupported parameter: ${key}` }, { status: 400 })
        // Like the API: every input item an object with a string type, message content a string or a list.
        for (const [index, item] of (Array.isArray(body.input) ? body.input : []).entries()) {
          if (typeof item !== 'object' || item === null || typeof item.type !== 'string') return Response.json({ error: { message: `Invalid 'input[${index}]': expected an object with a string 'type'.`, type: 'invalid_request_error', param: `input[${index}]`, code: 'invalid_type' } }, { status: 400 })
          if (item.type === 'message' && typeof item.content !== 'string' && !Array.isArray(item.content)) return Response.json({ error: { message: `Invalid 'input[${index}].content': expected a string or an array.`, type: 'invalid_request_error', param: `input[${index}].content`, code: 'invalid_type' } }, { status: 400 })
        }
        const reply = state.respond(body)
        if (reply.kind === 'status') return new Response(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json', ...reply.headers } })
        const sse = reply.events.map((event) => `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`).join('')
        // chatgpt.com sends SSE without a content-type (spec §d.1); the rest are the headers Codex reads.
        return new Response(encoder.encode(sse), { headers: { 'openai-model': 'gpt-5.5-2026-10-01', 'x-codex-turn-state': 'turn-state-abc', ...RATE_HEADERS, ...reply.headers } })
      }
      return Response.json({ detail: 'Not Found' }, { status: 404 })
    },
  })
  state.base = `http://127.0.0.1:${server.port}/backend-api`
  state.tokenUrl = `http://127.0.0.1:${server.port}/oauth/token`
  return state
}
