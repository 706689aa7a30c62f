import { aggregateEvents } from '../../canonical/aggregate.ts'
import type { MessageItem, OutputItem, ResponsesItem, ResponsesRequest } from '../../canonical/types.ts'
import { ShimError } from '../../errors.ts'
import type { ProviderStream } from '../../providers/types.ts'

const SUMMARY_PROMPT = [
  'Write a handoff note so another engineer can continue this task without the conversation above.',
  'Include: the goal and constraints the user gave, what has been done (files touched, commands run, results),',
  'what is left to do, and any facts or decisions that must not be lost. Be concise and concrete; no preamble.',
].join(' ')

/** The marker `dialects/chat/request.ts` recognises to expand the summary again. */
export function encodeSummary(summary: string): string {
  const bytes = new TextEncoder().encode(summary)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return `codex-shim.summary.v1:${btoa(binary)}`
}

/**
 * Legacy `/responses/compact` for providers with no server-side compaction:
 * ask the model for a summary, then return the replacement history Codex
 * expects (spec §e.3): the user's own messages plus one `compaction` item
 * whose opaque content is our summary, expanded again on later requests.
 */
export async function compactHistory(request: ResponsesRequest, open: (request: ResponsesRequest) => Promise<ProviderStream>): Promise<OutputItem[]> {
  const history: ResponsesItem[] = typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : (request.input ?? [])
  const summaryRequest: ResponsesRequest = {
    model: request.model,
    instructions: request.instructions,
    input: [...history, { type: 'message', role: 'user', content: [{ type: 'input_text', text: SUMMARY_PROMPT }] }],
    tools: [],
    stream: true,
    reasoning: request.reasoning,
  }
  const { response, terminal } = await aggregateEvents((await open(summaryRequest)).events)
  if (terminal !== 'response.completed') {
    throw new ShimError('upstream_stream', `Compaction failed: ${response.error?.message ?? 'the upstream did not finish the summary'}`)
  }
  const summary = response.output
    .filter((item): item is MessageItem => item.type === 'message')
    .flatMap((item) => (typeof item.content === 'string' ? [item.content] : item.content.map((part) => ('text' in part ? part.text : ''))))
    .join('')
    .trim()
  const kept = history.filter((item): item is MessageItem => item.type === 'message' && (item as MessageItem).role === 'user')
  return [...kept, { type: 'compaction', encrypted_content: encodeSummary(summary) }]
}
