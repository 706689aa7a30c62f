/**
 * The typed error every module throws. The front door renders it once, in the
 * client's dialect (see `dialects/<name>/errors.ts`). A plain `Error` means a bug.
 */
export type ErrorKind =
  | 'bad_request' // the client sent something we cannot use
  | 'unknown_model' // no route for the slug
  | 'unauthorized' // the client failed endpoint auth
  | 'forbidden' // Host/Origin guard
  | 'not_found' // unknown route
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'upstream_http' // the upstream answered an HTTP error before streaming
  | 'upstream_unreachable' // connection refused, DNS, TLS
  | 'upstream_stream' // the stream broke or carried an error after 200
  | 'upstream_timeout' // no headers, or silence mid-stream, past the limit
  | 'context_length_exceeded'
  | 'auth_expired' // credentials need the user (e.g. `codex login`)
  | 'config' // settings or environment is wrong (missing key, bad base URL)

export interface ErrorDetails {
  /** HTTP status to return to the client; defaults per kind. */
  status?: number
  /** Upstream `retry-after`, passed through so Codex retries 429s. */
  retryAfter?: string
  /** Machine-readable code in the client's dialect (e.g. `rate_limit_exceeded`). */
  code?: string
  /** JSON path of the offending request field. */
  param?: string
}

export class ShimError extends Error {
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    super(message)
    this.name = 'ShimError'
  }

  get status(): number {
    return this.details.status ?? DEFAULT_STATUS[this.kind]
  }
}

const DEFAULT_STATUS = {
  bad_request: 400,
  unknown_model: 404,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  payload_too_large: 413,
  unsupported_media_type: 415,
  upstream_http: 502,
  upstream_unreachable: 502,
  upstream_stream: 502,
  upstream_timeout: 504,
  context_length_exceeded: 400,
  auth_expired: 401,
  config: 500,
} as const satisfies Record<ErrorKind, number>

export function isShimError(error: unknown): error is ShimError {
  return error instanceof ShimError
}

/** Wraps anything thrown into a ShimError without leaking internals to the client. */
export function toShimError(error: unknown): ShimError {
  if (error instanceof ShimError) return error
  if (error instanceof Error && error.name === 'AbortError') {
    return new ShimError('upstream_stream', 'The request was aborted.')
  }
  return new ShimError('upstream_stream', 'Internal error in codex-shim; see the daemon log.', { status: 500 })
}

/** A wait for an error message: "300 s", or "250 ms" below a second. */
export function describeMs(ms: number): string {
  return ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`
}

/** The client disconnected before the upstream answered (nginx's 499: nobody reads the status). */
export function clientClosed(): ShimError {
  return new ShimError('upstream_stream', 'The client closed the request.', { status: 499 })
}

/** Whether an error is `clientClosed()`'s: the client left, which says nothing about the upstream. */
export function isClientClosed(error: unknown): boolean {
  return error instanceof ShimError && error.kind === 'upstream_stream' && error.status === 499
}

/**
 * Why a connection failed, in one short clause: the system's code once (Bun's
 * messages already start with it) and without the runtime's own advice, since
 * our messages give theirs ("Is the base_url right…").
 */
/** Bun's fetch errors end with advice for its own callers ("pass `verbose: true`…"), which ours cannot act on. */
export function withoutRuntimeAdvice(message: string): string {
  return message.replace(/\s*(?:Is the computer able to access the url\?|For more information, pass `verbose: true` in the second argument to fetch\(\)\.?)\s*$/i, '')
}

export function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  if (error.name === 'TimeoutError') return 'no answer in time'
  const code = (error as { code?: unknown }).code
  const message = withoutRuntimeAdvice(error.message).replace(/\.$/, '').trim()
  return typeof code === 'string' && !message.startsWith(code) ? `${code} ${message}`.trim() : message
}
