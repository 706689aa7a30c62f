import { isContextLengthError, readErrorBody, type UpstreamErrorInfo } from '../../canonical/upstream-error.ts'
import { ShimError } from '../../errors.ts'

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
  // A 404 about something the request named (an item, a stored response) is the upstream's to say, field and all;
  // one about the model, or with no field (a wrong base_url answers HTML), is the settings'.
  if (status === 404 && info.param && info.param !== 'model') return new ShimError('upstream_http', message, { status, code: info.code ?? 'not_found', param: info.param })
  if (status === 404) return new ShimError('upstream_http', `${message}. Check the model id and base_url in your settings.`, { status, code: 'model_not_found' })
  return new ShimError('upstream_http', message, { status: status >= 400 && status < 600 ? status : 502, retryAfter, code: info.code })
}

/** An `{"error":…}` object inside an otherwise healthy stream. */
export function streamErrorCode(info: UpstreamErrorInfo): string {
  if (isContextLengthError(info)) return 'context_length_exceeded'
  // A used-up quota (OpenAI's code) is no rate limit: waiting does not bring it back, and Codex says so rather than retrying.
  if (info.code === 'insufficient_quota' || info.type === 'insufficient_quota') return 'insufficient_quota'
  // OpenRouter's code is the HTTP status, a number (read as "429"), whatever its message says.
  if (info.code === '429' || /rate.?limit|too many requests/i.test(`${info.code} ${info.type} ${info.message}`)) return 'rate_limit_exceeded'
  // OpenRouter's 402: the account's credits are used up, which waiting does not change either.
  if (info.code === '402') return 'insufficient_quota'
  // The request itself refused (a moderation flag, a parameter the model does not take, a bad key):
  // Codex gives up at once with the message on `invalid_prompt`, where a `server_error` would have it
  // send the same request five times more to the same end.
  if (refusesTheRequest(info)) return 'invalid_prompt'
  return 'server_error'
}

/** A 4xx in the error's own code (OpenRouter's numeric status) other than a timeout, a conflict or a rate limit, or an invalid-request type. */
function refusesTheRequest(info: UpstreamErrorInfo): boolean {
  const status = Number(info.code)
  if (Number.isInteger(status) && status >= 400 && status < 500) return status !== 408 && status !== 409 && status !== 429
  return info.type === 'invalid_request_error' || info.type === 'invalid_request'
}
