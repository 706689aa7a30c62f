import { ShimError } from '../errors.ts'
import type { ResponsesRequest } from './types.ts'

/**
 * What an upstream cannot be sent, refused by name before anything goes out: dropping it would
 * answer a different question than the one asked (stop sequences ignored, an attachment unread).
 * `upstream` names the target as the user configured it (`openai-responses@api.openai.com`).
 */
export function refuseStopSequences(request: ResponsesRequest, upstream: string): void {
  if (!request.stop?.length) return
  throw new ShimError('bad_request', `Invalid request: stop sequences (stop / stop_sequences) cannot be sent to ${upstream}, whose API has no such parameter. Remove them, or pick a chat-completions or Anthropic model.`, { param: 'stop' })
}

/** An image named by an OpenAI file id: only the Responses API can look it up. */
export function imageByFileId(): ShimError {
  return new ShimError('bad_request', 'Invalid request: input_image.file_id: an image uploaded to OpenAI cannot be read for this model\'s provider. Send it as image_url (an https: or data: URL).', { param: 'input_image.file_id' })
}
