import { isTerminalEvent, type ResponseObject, type ResponsesEvent, type ResponsesItem, type ResponsesRequest, type TerminalEventType } from '../canonical/types.ts'
import { echoRequest } from '../dialects/responses/echo.ts'
import { shouldStore, type ResponseStore } from './store.ts'

/** Which endings are kept: a failed answer has nothing to continue from. */
const KEPT_TERMINALS = { 'response.completed': true, 'response.incomplete': true, 'response.failed': false } as const satisfies Record<TerminalEventType, boolean>

export interface RecorderOptions {
  /** The model name the client asked for, when the events carry the upstream's. */
  model?: string
}

/**
 * Watches a canonical event stream and records the response when it ends
 * with `response.completed` or `response.incomplete` (an incomplete answer
 * is retrievable and can be continued, e.g. after max_output_tokens). A
 * failed one is not kept: it has nothing to continue from. Per event it
 * reads only `type`; the terminal event's `response` carries the whole
 * `output` (ResponseBuilder and the Responses decoder both see to that).
 * Pass the request as the client sent it (with its `previous_response_id`)
 * and the `resolvedInput` from `expandStoredContext`.
 */
export function recordFromEvents(store: ResponseStore, resolvedInput: readonly ResponsesItem[], request: ResponsesRequest, options: RecorderOptions = {}): (event: ResponsesEvent) => void {
  if (!shouldStore(request)) return () => {}
  let recorded = false
  return (event) => {
    if (recorded || !isTerminalEvent(event) || !KEPT_TERMINALS[event.type]) return
    recorded = true
    const final = event.response
    if (!final || typeof final.id !== 'string' || !Array.isArray(final.output)) return
    store.record({ response: storedResponse(final, request, options), input: resolvedInput })
  }
}

/**
 * A copy: the event's object is still on its way to the client (and may be
 * rewritten there), while the stored one is frozen. The request is echoed as
 * the Responses door echoes it on the stream, so retrieval and stream agree.
 */
function storedResponse(final: ResponseObject, request: ResponsesRequest, options: RecorderOptions): ResponseObject {
  const response: ResponseObject = structuredClone(echoRequest(final, request))
  if (options.model) response.model = options.model
  return response
}
