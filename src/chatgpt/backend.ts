/** The ChatGPT Codex backend (spec §f): base URL, the headers Codex sends, what comes back. */

export function backendBase(env: Record<string, string | undefined> = process.env): string {
  return (env.CODEX_SHIM_CHATGPT_BASE_URL || 'https://chatgpt.com/backend-api').replace(/\/+$/, '')
}

/** Client headers forwarded as Codex sends them (identity, session, turn state, features). */
export const FORWARDED_REQUEST_HEADERS = [
  'originator', 'user-agent', 'version', 'session-id', 'thread-id', 'x-client-request-id', 'x-codex-window-id',
  'x-codex-turn-metadata', 'x-codex-beta-features', 'x-openai-internal-codex-responses-lite', 'x-codex-turn-state',
  'x-codex-routing-hint',
] as const

export function backendHeaders(clientHeaders: Headers, tokens: { access_token: string; account_id?: string }, version: string): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const name of FORWARDED_REQUEST_HEADERS) {
    const value = clientHeaders.get(name)
    if (value) headers[name] = value
  }
  // Non-Codex clients (SDKs, Cursor) get Codex's identity so the backend accepts them.
  headers.originator ??= 'codex_cli_rs'
  headers['user-agent'] ??= `codex_cli_rs/${version} (codex-shim)`
  headers.authorization = `Bearer ${tokens.access_token}`
  if (tokens.account_id) headers['chatgpt-account-id'] = tokens.account_id
  headers.accept = 'text/event-stream'
  headers['content-type'] = 'application/json'
  return headers
}

/** Backend response headers the client should see: rate limits and turn state (x-codex-*); never openai-model. */
export function clientResponseHeaders(upstream: Headers): Record<string, string> {
  const out: Record<string, string> = {}
  upstream.forEach((value, name) => {
    if (name.startsWith('x-codex-') || name === 'retry-after' || name === 'x-request-id') out[name] = value
  })
  return out
}
