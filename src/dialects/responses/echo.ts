import type { ResponseLifecycleEvent, ResponseObject, ResponsesEvent, ResponsesRequest, ResponseTerminalEvent } from '../../canonical/types.ts'

type ResponseEvent = ResponseLifecycleEvent | ResponseTerminalEvent

/** The events that carry the whole response object: two at the start of a stream, one at its end. */
const CARRIES_RESPONSE: ReadonlySet<string> = new Set<ResponseEvent['type']>(['response.created', 'response.in_progress', 'response.completed', 'response.incomplete', 'response.failed'])

/** Reported only when the client sent them, as the API does. */
const SENT_ONLY = ['text', 'reasoning', 'user', 'truncation', 'service_tier'] as const

/**
 * The response object with the request's configuration on it, as the API
 * echoes it on every response object (the openai SDK's `Response` requires
 * `instructions`, `metadata`, `parallel_tool_calls`, `temperature`,
 * `tool_choice` and `top_p`); what the client did not send reads as the API
 * reports "not set". A copy: the response passed in is left as it was.
 *
 * `tools` is not echoed: a coding agent's list is tens of KB, and a stream
 * would carry it three times per turn.
 */
export function echoRequest(response: ResponseObject, request: ResponsesRequest): ResponseObject {
  const echoed: ResponseObject = {
    ...response,
    // The shim answers for these, not the upstream: it expands previous_response_id and stores the
    // answer itself, and the ChatGPT backend is sent store:false and instructions hoisted from the input.
    instructions: request.instructions ?? null,
    previous_response_id: typeof request.previous_response_id === 'string' ? request.previous_response_id : null,
    store: request.store !== false,
  }
  // A value the upstream reported (the temperature it applied) is the truer one and is kept.
  fill(echoed, 'metadata', request.metadata ?? {})
  fill(echoed, 'tool_choice', request.tool_choice ?? 'auto')
  fill(echoed, 'parallel_tool_calls', request.parallel_tool_calls ?? true)
  fill(echoed, 'temperature', request.temperature ?? null)
  fill(echoed, 'top_p', request.top_p ?? null)
  fill(echoed, 'max_output_tokens', request.max_output_tokens ?? null)
  for (const field of SENT_ONLY) if (request[field] !== undefined) fill(echoed, field, request[field])
  return echoed
}

function fill(response: ResponseObject, field: string, value: unknown): void {
  if (response[field] === undefined) response[field] = value
}

/**
 * `echoRequest` on the events that carry the response object; every other
 * event is returned as it came, after one set lookup (the per-delta path).
 */
export function echoEvent(event: ResponsesEvent, request: ResponsesRequest): ResponsesEvent {
  if (!CARRIES_RESPONSE.has(event.type)) return event
  const carrier = event as ResponseEvent
  return { ...carrier, response: echoRequest(carrier.response, request) }
}
