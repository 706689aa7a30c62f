import { CHAT_PASSTHROUGH, createChatChunkEncoder, responseToChatCompletion } from '../../dialects/chat/from-events.ts'
import { assertChatTranslatable, chatToCanonical, parseChatEnvelope, parseChatRequest, type ChatClientRequest } from '../../dialects/chat/to-canonical.ts'
import { responsesErrorResponse } from '../../dialects/responses/errors.ts'
import { rememberThinking, withRememberedThinking } from '../../dialects/chat/thinking-memory.ts'
import { isTerminalEvent } from '../../canonical/types.ts'
import { pinChatBody } from '../../routing/pinned.ts'
import { formatSse } from '../../sse/encode.ts'
import { frontDoor, type ClientDoor } from '../front-door.ts'

const completionId = () => `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`
const now = () => Math.floor(Date.now() / 1000)

/** Cursor, Aider, Continue and every OpenAI SDK; errors in the OpenAI shape, shared with Responses clients. */
export const CHAT_DOOR: ClientDoor<ChatClientRequest> = {
  dialect: 'chat',
  envelope: parseChatEnvelope,
  parse: (body) => parseChatRequest(body, { depthChecked: true }),
  assertTranslatable: assertChatTranslatable,
  // Claude's signed thinking, which a Chat client cannot carry, goes back with the tool calls it came with.
  toCanonical: (request) => withRememberedThinking(chatToCanonical(request)),
  pin: pinChatBody,
  encoder(request) {
    const includeUsage = (request.stream_options as { include_usage?: boolean } | null | undefined)?.include_usage === true
    const encode = createChatChunkEncoder({ model: request.model, includeUsage, id: completionId(), created: now() })
    return (event) => {
      if (isTerminalEvent(event)) rememberThinking(event.response.output)
      return encode(event).map(formatSse).join('')
    }
  },
  final: (response, request) => {
    rememberThinking(response.output)
    return responseToChatCompletion(response, { model: request.model, id: completionId(), created: now() })
  },
  errorResponse: responsesErrorResponse,
  passthrough: CHAT_PASSTHROUGH,
  failsBeforeStatus: true,
}

/** `POST /v1/chat/completions`. */
export const chatCompletions = frontDoor(CHAT_DOOR)
