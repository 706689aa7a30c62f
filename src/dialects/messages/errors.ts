import { ShimError } from '../../errors.ts'
import { isContextLengthError, readErrorBody } from '../../canonical/upstream-error.ts'

/**
 * Anthropic error type → the `response.failed` code that makes Codex do the
 * right thing (spec §d.4): overloads and API errors are retried (generic
 * code), rate limits retried with backoff, an over-long prompt is fatal with
 * Codex's own message. `server_is_overloaded` is deliberately not used: Codex
 * treats it as fatal.
 */
export const MESSAGES_ERROR_CODES = {
  overloaded_error: 'server_error',
  api_error: 'server_error',
  rate_limit_error: 'rate_limit_exceeded',
  request_too_large: 'context_length_exceeded',
  invalid_request_error: 'invalid_prompt',
  authentication_error: 'invalid_prompt',
  permission_error: 'invalid_prompt',
  not_found_error: 'invalid_prompt',
} as const satisfies Record<string, string>

export function messagesErrorCode(type: string | undefined, message: string): string {
  if (isContextLengthError({ message })) return 'context_length_exceeded'
  return (type && Object.hasOwn(MESSAGES_ERROR_CODES, type) && MESSAGES_ERROR_CODES[type as keyof typeof MESSAGES_ERROR_CODES]) || 'server_error'
}

/** An HTTP error before the stream: keep status and retry-after; 529 overloaded is retried like a 503. */
export function messagesHttpError(status: number, bodyText: string, headers: Headers, label: string): ShimError {
  const info = readErrorBody(bodyText)
  const message = `${label} returned HTTP ${status}: ${info.message.slice(0, 1000)}`
  if (status === 413 || isContextLengthError(info)) return new ShimError('context_length_exceeded', message, { status: 400, code: 'context_length_exceeded' })
  const retryAfter = headers.get('retry-after') ?? undefined
  if (status === 429) return new ShimError('upstream_http', message, { status, retryAfter, code: 'rate_limit_exceeded' })
  if (status === 401 || status === 403) return new ShimError('upstream_http', `${message}. Check the API key configured for this model (codex-shim doctor).`, { status, code: 'upstream_auth_failed' })
  // 529 is Anthropic's "overloaded"; clients know 503.
  if (status === 529) return new ShimError('upstream_http', message, { status: 503, retryAfter, code: 'server_error' })
  return new ShimError('upstream_http', message, { status: status >= 400 && status < 600 ? status : 502, retryAfter, code: info.type ?? info.code })
}
