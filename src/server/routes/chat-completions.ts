import { aggregateEvents, unfinishedAnswerError } from '../../canonical/aggregate.ts'
import { CHAT_PASSTHROUGH, createChatChunkEncoder, eventsToChatChunks, responseToChatCompletion } from '../../dialects/chat/from-events.ts'
import { assertChatTranslatable, chatToCanonical, parseChatRequest } from '../../dialects/chat/to-canonical.ts'
import { forwardChatCompletion } from '../../providers/chat.ts'
import { pinChatBody } from '../../routing/pinned.ts'
import { resolveAnyRoute } from '../../routing/resolve.ts'
import { encodeSseMessages, formatSse, SSE_HEADERS } from '../../sse/encode.ts'
import { readJsonBody } from '../body.ts'
import { passthroughResponse } from '../passthrough.ts'
import { providerContext, type RouteContext } from '../context.ts'
import { upstreamLabel } from '../request-log.ts'
import { json } from './info.ts'
import { openRoute } from './responses.ts'

/**
 * `POST /v1/chat/completions`: Cursor, Aider, Continue and every OpenAI SDK.
 * A chat upstream gets the request as is (fast path); any other goes through
 * the canonical form and back. Errors use the OpenAI shape, which Chat
 * clients share with Responses clients.
 */
export async function chatCompletions(context: RouteContext): Promise<Response> {
  const raw = (await readJsonBody(context.request)) as Record<string, unknown>
  const request = parseChatRequest(raw)
  const stream = request.stream === true
  context.summary.stream = stream
  const route = await resolveAnyRoute(context.deps.settings, request.model, context.deps.chatgpt)

  if (route.model.provider === 'openai' || route.model.provider === 'generic-chat-completion-api') {
    context.summary.slug = route.slug
    context.summary.upstream = `${upstreamLabel(route.model.provider_label, route.model.base_url)} (fast path)`
    const upstream = await forwardChatCompletion(route.model, pinChatBody(raw, route.alias), providerContext(context))
    return passthroughResponse(context, upstream, stream, CHAT_PASSTHROUGH)
  }

  assertChatTranslatable(request)
  const opened = await openRoute(context, chatToCanonical(request), route)
  const id = `chatcmpl-${crypto.randomUUID().replaceAll('-', '')}`
  const created = Math.floor(Date.now() / 1000)
  if (stream) {
    context.keepAlive()
    const includeUsage = (request.stream_options as { include_usage?: boolean } | null | undefined)?.include_usage === true
    const options = { model: request.model, includeUsage, id, created }
    // Fused single stage when the provider offers it; separate stream stages otherwise.
    const encode = createChatChunkEncoder(options)
    const body = opened.encoded
      ? opened.encoded((event) => encode(event).map(formatSse).join(''))
      : opened.events.pipeThrough(eventsToChatChunks(options)).pipeThrough(encodeSseMessages())
    return new Response(body, { status: 200, headers: SSE_HEADERS })
  }
  const aggregated = await aggregateEvents(opened.events)
  const failure = unfinishedAnswerError(aggregated)
  if (failure) throw failure
  return json(responseToChatCompletion(aggregated.response, { model: request.model, id, created }))
}
