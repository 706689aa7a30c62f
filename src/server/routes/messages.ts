import { aggregateEvents, unfinishedAnswerError } from '../../canonical/aggregate.ts'
import { createMessagesEncoder, MESSAGES_PASSTHROUGH, eventsToMessagesSse, responseToMessage } from '../../dialects/messages/from-events.ts'
import { assertMessagesTranslatable, messagesToCanonical, parseMessagesRequest } from '../../dialects/messages/to-canonical.ts'
import { forwardMessages } from '../../providers/anthropic.ts'
import { pinMessagesBody } from '../../routing/pinned.ts'
import { resolveAnyRoute } from '../../routing/resolve.ts'
import { encodeSseMessages, formatSse, SSE_HEADERS } from '../../sse/encode.ts'
import { readJsonBody } from '../body.ts'
import { passthroughResponse } from '../passthrough.ts'
import { providerContext, type RouteContext } from '../context.ts'
import { upstreamLabel } from '../request-log.ts'
import { json } from './info.ts'
import { openRoute } from './responses.ts'

/** `POST /v1/messages`: Claude Code and the Anthropic SDK, on any upstream. */
export async function messages(context: RouteContext): Promise<Response> {
  const raw = (await readJsonBody(context.request)) as Record<string, unknown>
  const request = parseMessagesRequest(raw, { requireMaxTokens: true })
  const stream = request.stream === true
  context.summary.stream = stream
  const route = await resolveAnyRoute(context.deps.settings, request.model, context.deps.chatgpt)

  if (route.model.provider === 'anthropic') {
    context.summary.slug = route.slug
    context.summary.upstream = `${upstreamLabel(route.model.provider_label, route.model.base_url)} (fast path)`
    const upstream = await forwardMessages(route.model, pinMessagesBody(raw, route.alias), providerContext(context))
    return passthroughResponse(context, upstream, stream, MESSAGES_PASSTHROUGH)
  }

  assertMessagesTranslatable(request)
  const opened = await openRoute(context, messagesToCanonical(request), route)
  const id = `msg_${crypto.randomUUID().replaceAll('-', '')}`
  if (stream) {
    context.keepAlive()
    const encode = createMessagesEncoder({ model: request.model, id })
    const body = opened.encoded
      ? opened.encoded((event) => encode(event).map(formatSse).join(''))
      : opened.events.pipeThrough(eventsToMessagesSse({ model: request.model, id })).pipeThrough(encodeSseMessages())
    return new Response(body, { status: 200, headers: SSE_HEADERS })
  }
  const aggregated = await aggregateEvents(opened.events)
  const failure = unfinishedAnswerError(aggregated)
  if (failure) throw failure
  return json(responseToMessage(aggregated.response, { model: request.model, id }))
}

/**
 * `POST /v1/messages/count_tokens` (Claude Code calls it to size its context):
 * an estimate of about four characters per token over everything the model
 * would read. No upstream is called.
 */
export async function countTokens(context: RouteContext): Promise<Response> {
  const raw = await readJsonBody(context.request)
  const request = parseMessagesRequest(raw, { requireMaxTokens: false })
  const text = JSON.stringify({ system: request.system, messages: request.messages, tools: request.tools })
  return json({ input_tokens: Math.ceil(text.length / 4) })
}

