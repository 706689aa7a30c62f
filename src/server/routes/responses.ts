import { ResponseBuilder } from '../../canonical/builder.ts'
import type { ResponsesEvent, ResponsesRequest } from '../../canonical/types.ts'
import { assertTranslatable, parseResponsesEnvelope, parseResponsesRequest } from '../../dialects/responses/api.ts'
import { echoEvent, echoRequest } from '../../dialects/responses/echo.ts'
import { RESPONSES_PASSTHROUGH, responsesErrorResponse, responsesFailure } from '../../dialects/responses/errors.ts'
import { pinCanonical } from '../../routing/pinned.ts'
import { formatEvent, SSE_HEADERS } from '../../sse/encode.ts'
import { frontDoor, type ClientDoor } from '../front-door.ts'

/** Only a `response.failed` event: how Codex must hear some errors (spec §d.4). */
function failedStream(request: ResponsesRequest, error: Parameters<typeof responsesFailure>[0]): Response {
  let text = ''
  new ResponseBuilder((event: ResponsesEvent) => (text += formatEvent(echoEvent(event, request))), { model: request.model }).fail(responsesFailure(error))
  return new Response(text, { status: 200, headers: SSE_HEADERS })
}

/** Codex, the Agents SDK and every `responses.*` client: the canonical dialect itself. */
export const RESPONSES_DOOR: ClientDoor<ResponsesRequest> = {
  dialect: 'responses',
  envelope: parseResponsesEnvelope,
  parse: (body) => parseResponsesRequest(body, { depthChecked: true }),
  assertTranslatable,
  toCanonical: (request) => request,
  pin: (json, alias) => pinCanonical(json as ResponsesRequest, alias),
  // Translated routes only: a fast path's upstream echoes the request itself.
  encoder: (request) => (event) => formatEvent(echoEvent(event, request)),
  final: echoRequest,
  errorResponse: responsesErrorResponse,
  passthrough: RESPONSES_PASSTHROUGH,
  // Codex shows its own "ran out of room" message only for a response.failed event.
  streamedError: (error, request) => (error.kind === 'context_length_exceeded' ? failedStream(request, error) : null),
}

/** `POST /v1/responses`. */
export const responses = frontDoor(RESPONSES_DOOR)
