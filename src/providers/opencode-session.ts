import { sha256Hex } from '../sha256.ts'
import { baseUrlHost } from '../upstream/base-url.ts'

/**
 * OpenCode Go rejects inference requests without `x-opencode-session` (HTTP 400
 * `MissingSessionID`, since 2026-09) and uses the id to route a conversation
 * to a warm prompt cache, so the id must be stable for one conversation and
 * differ between conversations (spec/integrations.md §3.1). Pure: the caller
 * sets the header.
 */

export const OPENCODE_SESSION_HEADER = 'x-opencode-session'

/** Longest id we send as is; longer ones (and anything not printable ASCII) are hashed. */
const MAX_SESSION_LENGTH = 128
/** Codex names its conversation with these (spec/codex-wire.md: `session-id`, `thread-id`). */
const CLIENT_SESSION_HEADERS = [OPENCODE_SESSION_HEADER, 'session-id', 'session_id', 'thread-id', 'x-codex-parent-thread-id'] as const

/** True for `opencode.ai` and its subdomains. */
export function isOpencodeHost(baseUrl: string): boolean {
  const host = baseUrlHost(baseUrl)?.hostname
  return host === 'opencode.ai' || Boolean(host?.endsWith('.opencode.ai'))
}

/**
 * The `x-opencode-session` value for one request, or undefined when the
 * upstream is not OpenCode (its host is not opencode.ai and the entry is not
 * a generated `ocgo-*` one). Sources, first usable wins: the client's own
 * header, Codex's session/thread header, `prompt_cache_key`, a hash of the
 * first user message.
 */
export function opencodeSession(
  baseUrl: string,
  clientHeaders: Headers,
  request: { prompt_cache_key?: unknown; input?: unknown; messages?: unknown },
  isOpencodeGoEntry = false,
): string | undefined {
  if (!isOpencodeGoEntry && !isOpencodeHost(baseUrl)) return undefined
  for (const name of CLIENT_SESSION_HEADERS) {
    const id = sessionValue(clientHeaders.get(name))
    if (id) return id
  }
  const cacheKey = sessionValue(typeof request.prompt_cache_key === 'string' ? request.prompt_cache_key : null)
  if (cacheKey) return cacheKey
  const text = firstUserText(request.input) ?? firstUserText(request.messages)
  // With no user text at all, the request's own shape is still the same on every retry.
  return hashId(text ?? JSON.stringify(request.input ?? request.messages ?? null))
}

/** A usable header value: control characters dropped; non-ASCII or over-long values hashed. */
function sessionValue(raw: string | null): string | undefined {
  if (raw === null) return undefined
  const value = raw.replace(/[\u0000-\u001f\u007f]/g, '').trim()
  if (!value) return undefined
  if (value.length > MAX_SESSION_LENGTH || !/^[\x20-\x7e]+$/.test(value)) return hashId(value)
  return value
}

function hashId(text: string): string {
  return sha256Hex(text).slice(0, 32)
}

/** The text of the first user message in Responses `input` or Chat/Messages `messages`. */
function firstUserText(items: unknown): string | undefined {
  if (typeof items === 'string') return items || undefined
  if (!Array.isArray(items)) return undefined
  for (const item of items) {
    if (!isRecord(item) || item.role !== 'user') continue
    if (item.type !== undefined && item.type !== 'message') continue
    const text = contentText(item.content)
    if (text) return text
  }
  return undefined
}

function contentText(content: unknown): string | undefined {
  if (typeof content === 'string') return content || undefined
  if (!Array.isArray(content)) return undefined
  // Responses parts are `input_text`, Chat and Messages parts are `text`.
  const texts = content.filter((part): part is { text: string } => isRecord(part) && (part.type === 'input_text' || part.type === 'text') && typeof part.text === 'string').map((part) => part.text)
  const joined = texts.join('\n')
  return joined || undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * OpenCode Go refuses requests without a session header (since September
 * 2026): every request to it gets one, the client's own when it sent one.
 */
export function withOpencodeSession(headers: Record<string, string>, model: { base_url: string; generated_by?: string }, clientHeaders: Headers, request: object): void {
  if (headers[OPENCODE_SESSION_HEADER]) return
  const session = opencodeSession(model.base_url, clientHeaders, request as Parameters<typeof opencodeSession>[2], model.generated_by === 'opencode-go')
  if (session) headers[OPENCODE_SESSION_HEADER] = session
}
