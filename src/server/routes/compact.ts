import { aggregateEvents } from '../../canonical/aggregate.ts'
import { encodeSummary, historyOf, summaryRequest, summaryTextOf } from '../../canonical/compaction.ts'
import type { MessageItem, OutputItem, ResponsesRequest, Usage } from '../../canonical/types.ts'
import { assertTranslatable, parseResponsesRequest } from '../../dialects/responses/api.ts'
import { responsesErrorResponse } from '../../dialects/responses/errors.ts'
import { ShimError } from '../../errors.ts'
import type { ProviderStream } from '../../providers/types.ts'
import { providerOf } from '../../routing/model-list.ts'
import { pinCanonical } from '../../routing/pinned.ts'
import { readBody } from '../body.ts'
import { requestContext, type RouteContext } from '../context.ts'
import { noteFailure, noteRoute } from '../front-door.ts'
import { RESPONSES_DOOR } from './responses.ts'
import { json } from './info.ts'

/**
 * Legacy `/responses/compact` for providers with no server-side compaction:
 * ask the model for a summary, then return the replacement history Codex
 * expects (spec §e.3): the user's own messages plus one `compaction` item
 * whose opaque content is our summary, expanded again on later requests.
 */
export async function compactHistory(request: ResponsesRequest, open: (request: ResponsesRequest) => Promise<ProviderStream>, onUsage?: (usage: Usage) => void): Promise<OutputItem[]> {
  const history = historyOf(request)
  const { response, terminal } = await aggregateEvents((await open(summaryRequest(request, history))).events())
  // For the ledger: the summary was billed whether or not it finished.
  if (response.usage) onUsage?.(response.usage)
  if (terminal !== 'response.completed') {
    throw new ShimError('upstream_stream', `Compaction failed: ${response.error?.message ?? 'the upstream did not finish the summary'}`)
  }
  const summary = summaryTextOf(response.output)
  const kept = history.filter((item): item is MessageItem => item.type === 'message' && (item as MessageItem).role === 'user')
  return [...kept, { type: 'compaction', encrypted_content: encodeSummary(summary) }]
}

/** `POST /v1/responses/compact` (older Codex clients): the upstream's own compaction, else a summary. */
export async function compact(context: RouteContext): Promise<Response> {
  try {
    // A request like any other for the ledger and the control page (it sends the whole history
    // upstream, often a task's largest): without a dialect the handler records no row for it.
    context.summary.dialect = 'responses'
    const body = await readBody(context.request)
    context.summary.bytesIn = body.bytes
    const request = parseResponsesRequest(body.json)
    context.summary.stream = false
    const route = await context.resolve(request.model, { canonical: () => request, headers: context.request.headers })
    const provider = await providerOf(route.model)
    noteRoute(context.summary, route, provider.label(route.model))
    const upstream = requestContext(context)
    if (provider.compact) {
      const json = RESPONSES_DOOR.pin(body.json as Record<string, unknown>, route.alias)
      return await provider.compact({ json, text: route.alias ? null : body.text, stream: false, passthrough: RESPONSES_DOOR.passthrough }, route, upstream)
    }
    assertTranslatable(request)
    const output = await compactHistory(request, (summaryRequest) => provider.open(pinCanonical(summaryRequest, route.alias), route, upstream), (usage) => (context.summary.usage = usage))
    return json({ id: `resp_compact_${crypto.randomUUID().replaceAll('-', '')}`, object: 'response.compaction', created_at: Math.floor(Date.now() / 1000), output })
  } catch (error) {
    if (!(error instanceof ShimError)) throw error
    noteFailure(context.summary, error)
    return responsesErrorResponse(error)
  }
}
