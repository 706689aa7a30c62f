import type { ResponseObject } from '../../canonical/types.ts'
import { ShimError } from '../../errors.ts'
import { formatEvent } from '../../sse/encode.ts'
import type { PassthroughDialect } from '../../sse/watch.ts'
import { replayResponseEvents } from './replay.ts'

/** OpenAI's error `type` per status family, as the OpenAI API and SDKs expect. */
function errorType(error: ShimError): string {
  switch (error.kind) {
    case 'unauthorized':
    case 'auth_expired':
      return 'authentication_error'
    case 'forbidden':
      return 'permission_error'
    case 'unknown_model':
    case 'not_found':
      return 'not_found_error'
    case 'upstream_http':
      return error.status === 429 ? 'rate_limit_error' : error.status >= 500 ? 'server_error' : 'invalid_request_error'
    case 'upstream_unreachable':
    case 'upstream_stream':
    case 'upstream_timeout':
    case 'config':
      return 'server_error'
    default:
      return 'invalid_request_error'
  }
}

/** Default codes, chosen for what Codex does with them (spec §d.4): retry unless fatal. */
function errorCode(error: ShimError): string {
  if (error.details.code) return error.details.code
  switch (error.kind) {
    case 'unknown_model':
      return 'model_not_found'
    case 'context_length_exceeded':
      return 'context_length_exceeded'
    case 'upstream_timeout':
      return 'timeout'
    case 'upstream_http':
      return error.status === 429 ? 'rate_limit_exceeded' : error.status >= 500 ? 'server_error' : 'upstream_error'
    case 'upstream_unreachable':
    case 'upstream_stream':
      return 'server_error'
    default:
      return error.kind
  }
}

/** Status, headers and body for an error before any byte of the response was sent. */
export function responsesErrorResponse(error: ShimError): Response {
  const headers: Record<string, string> = { 'content-type': 'application/json' }
  if (error.details.retryAfter) headers['retry-after'] = error.details.retryAfter
  const body = { error: { message: error.message, type: errorType(error), code: errorCode(error), param: error.details.param ?? null } }
  return new Response(JSON.stringify(body), { status: error.status, headers })
}

/** The `response.error` of a `response.failed` event: Codex ignores bare `error` events. */
export function responsesFailure(error: ShimError): { code: string; message: string } {
  return { code: errorCode(error), message: error.message }
}

/**
 * What a Responses upstream's bare `error` event says, flat (`{type, code, message}`) or nested
 * (`{type, error: {code, message}}`): its message and code, or null when it gives no message.
 */
export function upstreamErrorEvent(event: any): ShimError | null {
  const source = event?.error && typeof event.error === 'object' ? event.error : event
  if (typeof source?.message !== 'string') return null
  return new ShimError('upstream_stream', source.message, { code: typeof source.code === 'string' ? source.code : undefined })
}

/**
 * The Responses passthrough's view of the upstream: a terminal event means the
 * answer is whole; a failure becomes `response.failed`, which Codex retries
 * (or reports as "context window exceeded" for that code).
 */
export const RESPONSES_PASSTHROUGH: PassthroughDialect = {
  // Not a bare `error` event: Codex ignores it and would see the stream end cleanly. What it says becomes
  // the response.failed sent when the stream then ends unfinished (upstreamFailure).
  terminals: ['event: response.completed', 'event: response.failed', 'event: response.incomplete', '"type":"response.completed"', '"type":"response.failed"', '"type":"response.incomplete"'],
  upstreamFailure: upstreamErrorEvent,
  failure: (error: ShimError) =>
    formatEvent({
      type: 'response.failed',
      response: { id: `resp_shim_${crypto.randomUUID().replaceAll('-', '')}`, object: 'response', created_at: Math.floor(Date.now() / 1000), status: 'failed', error: responsesFailure(error), output: [], usage: null },
    }),
  usage: (event, previous) => (event.response?.usage && typeof event.response.usage === 'object' ? event.response.usage : previous),
  // A terminal event's response, or a whole response object (an answer not streamed).
  answerId: (event) => {
    const id = event.object === 'response' ? event.id : event.response?.id
    return typeof id === 'string' && id ? id : undefined
  },
  // Only a finished response: one still queued or running (background mode) has no stream to replay.
  answerAsStream: (answer) =>
    answer.object === 'response' && Array.isArray(answer.output) && FINISHED.has(answer.status) ? replayResponseEvents(answer as ResponseObject).map(formatEvent).join('') : null,
}

const FINISHED = new Set(['completed', 'incomplete', 'failed'])
