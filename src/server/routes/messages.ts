import { createMessagesEncoder, MESSAGES_PASSTHROUGH, messagesErrorResponse, responseToMessage } from '../../dialects/messages/from-events.ts'
import { assertMessagesTranslatable, messagesServerTools, messagesToCanonical, parseMessagesEnvelope, parseMessagesRequest, type MessagesClientRequest } from '../../dialects/messages/to-canonical.ts'
import { pinMessagesBody } from '../../routing/pinned.ts'
import { formatSse } from '../../sse/encode.ts'
import { readBody } from '../body.ts'
import type { RouteContext } from '../context.ts'
import { frontDoor, type ClientDoor } from '../front-door.ts'
import { json } from './info.ts'
import { estimateInputTokens } from '../../dialects/messages/token-estimate.ts'

const messageId = () => `msg_${crypto.randomUUID().replaceAll('-', '')}`

/** Claude Code and the Anthropic SDK; errors in Anthropic's shape. */
export const MESSAGES_DOOR: ClientDoor<MessagesClientRequest> = {
  dialect: 'messages',
  envelope: parseMessagesEnvelope,
  parse: (body) => parseMessagesRequest(body, { requireMaxTokens: true, depthChecked: true }),
  assertTranslatable: assertMessagesTranslatable,
  leftOut: messagesServerTools,
  toCanonical: messagesToCanonical,
  pin: pinMessagesBody,
  encoder(request) {
    const encode = createMessagesEncoder({ model: request.model, id: messageId() })
    return (event) => encode(event).map(formatSse).join('')
  },
  final: (response, request) => responseToMessage(response, { model: request.model, id: messageId() }),
  errorResponse: messagesErrorResponse,
  passthrough: MESSAGES_PASSTHROUGH,
  failsBeforeStatus: true,
}

/** `POST /v1/messages`. */
export const messages = frontDoor(MESSAGES_DOOR)

/**
 * `POST /v1/messages/count_tokens` (Claude Code calls it to size its context):
 * an estimate (dialects/messages/token-estimate.ts) of everything the model
 * would read. No upstream is called.
 */
export async function countTokens(context: RouteContext): Promise<Response> {
  const { json: raw } = await readBody(context.request)
  const request = parseMessagesRequest(raw, { requireMaxTokens: false })
  return json({ input_tokens: estimateInputTokens(request) })
}
