import { ShimError } from '../../errors.ts'

/** Phrases upstreams use for an over-long prompt (OpenAI, DeepSeek, vLLM, Ollama, Gemini, OpenRouter). */
const CONTEXT_LENGTH = /context[_ ]length|context window|maximum context|too many tokens|prompt is too long|input is too long|reduce the length|exceeds the model'?s? (?:maximum|context)/i

export interface UpstreamErrorInfo {
  message: string
  code?: string
  type?: string
}

/** Reads `{error:{message,code,type}}`, `{error:"…"}`, `{message}` or `{detail}`; falls back to text. */
export function readErrorBody(text: string): UpstreamErrorInfo {
  try {
    const json = JSON.parse(text) as Record<string, unknown>
    const error = json.error
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>
      return { message: String(e.message ?? JSON.stringify(e)), code: e.code == null ? undefined : String(e.code), type: e.type == null ? undefined : String(e.type) }
    }
    if (typeof error === 'string') return { message: error }
    if (typeof json.message === 'string') return { message: json.message, code: typeof json.code === 'string' ? json.code : undefined }
    if (typeof json.detail === 'string') return { message: json.detail }
  } catch {
    // not JSON
  }
  return { message: text.trim().slice(0, 500) || 'no error body' }
}

export function isContextLengthError(info: UpstreamErrorInfo): boolean {
  return info.code === 'context_length_exceeded' || CONTEXT_LENGTH.test(info.message)
}

/**
 * An upstream HTTP error before the stream → a ShimError that keeps the
 * status (Codex retries 5xx), `retry-after` (Codex retries a 429 only with
 * it) and the upstream message, and flags context-length errors so Codex
 * shows its own "ran out of room" message.
 */
export function upstreamHttpError(status: number, bodyText: string, headers: Headers, label: string): ShimError {
  const info = readErrorBody(bodyText)
  const message = `${label} returned HTTP ${status}: ${info.message.slice(0, 1000)}`
  if (isContextLengthError(info)) return new ShimError('context_length_exceeded', message, { status: 400, code: 'context_length_exceeded' })
  const retryAfter = headers.get('retry-after') ?? undefined
  if (status === 429) {
    const code = info.code === 'insufficient_quota' ? 'insufficient_quota' : 'rate_limit_exceeded'
    return new ShimError('upstream_http', message, { status, retryAfter, code })
  }
  if (status === 401 || status === 403) {
    return new ShimError('upstream_http', `${message}. Check the API key configured for this model (codex-shim doctor).`, { status, code: 'upstream_auth_failed' })
  }
  if (status === 404) return new ShimError('upstream_http', `${message}. Check the model id and base_url in your settings.`, { status, code: 'model_not_found' })
  return new ShimError('upstream_http', message, { status: status >= 400 && status < 600 ? status : 502, retryAfter, code: info.code })
}

/** An `{"error":…}` object inside an otherwise healthy stream. */
export function streamErrorCode(info: UpstreamErrorInfo): string {
  if (isContextLengthError(info)) return 'context_length_exceeded'
  if (/rate.?limit|too many requests/i.test(`${info.code} ${info.type} ${info.message}`)) return 'rate_limit_exceeded'
  return 'server_error'
}
