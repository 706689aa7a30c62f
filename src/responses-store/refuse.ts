import type { ResponsesRequest } from '../canonical/types.ts'
import { ShimError } from '../errors.ts'

/**
 * Fields that need server state or long-running jobs a local proxy does not
 * have (spec/responses-state.md, last section): a clear 400 beats a silently
 * stateless answer. `background` reaches an upstream that speaks Responses
 * itself (the fast path), so only translated routes refuse it.
 */
export function refuseUnsupportedStateFields(request: ResponsesRequest, options: { translated: boolean }): void {
  if (request.conversation !== undefined && request.conversation !== null) {
    throw new ShimError('bad_request', 'Invalid request: conversation: the Conversations API is not available through codex-shim; continue with previous_response_id (responses are stored by default) or send the whole input.', { status: 400, param: 'conversation' })
  }
  if (options.translated && request.background === true) {
    throw new ShimError('bad_request', 'Invalid request: background: background responses are not available on this route (codex-shim keeps no job queue for a translated upstream); send the request without background, with stream: true for long answers.', { status: 400, param: 'background' })
  }
}
