import { ResponseBuilder } from '../canonical/builder.ts'
import { encodeSummary, historyOf, summaryRequest, summaryTextOf } from '../canonical/compaction.ts'
import type { OutputItem, ResponsesEvent, ResponsesRequest } from '../canonical/types.ts'
import type { ProviderStream } from '../providers/types.ts'
import { markTracked, type StreamTracker } from '../sse/tracker.ts'

/**
 * Remote compaction v2 (spec/codex-wire.md §e.2): Codex uses it for its built-in `openai` provider
 * and any provider named "OpenAI", so also when such a provider points at codex-shim. The history
 * ends with a `compaction_trigger` item, and the answer must hold exactly one `compaction` item;
 * anything else fails the turn ("expected exactly one compaction output item"). A chat or
 * Anthropic upstream has no such item, so the trigger is not passed on as a turn: the model is
 * asked for a summary, which goes back in a compaction item of ours (expanded again by every
 * translator on the next request, as a `/responses/compact` summary is).
 */
export function isCompactionTrigger(request: ResponsesRequest): boolean {
  return Array.isArray(request.input) && request.input.at(-1)?.type === 'compaction_trigger'
}

/** Opens the summary request and answers the trigger with its compaction item, streamed as any answer is. */
export async function openCompactionTrigger(request: ResponsesRequest, open: (request: ResponsesRequest) => Promise<ProviderStream>): Promise<ProviderStream> {
  // The trigger is the request's last item, and no part of the conversation to summarise.
  const history = historyOf(request).filter((item) => item.type !== 'compaction_trigger')
  const opened = await open(summaryRequest(request, history))
  const events = () => compactionEvents(opened.events(), request.model)
  return {
    ...(opened.headers && { headers: opened.headers }),
    events,
    encoded: (encode: (event: ResponsesEvent) => string, tracker?: StreamTracker) => encodedEvents(events(), encode, tracker),
  }
}

/**
 * The summary's events → the trigger's answer: `response.created` at once, the summary's own items
 * kept back (they are not the answer, and Codex would take a message for one), then one
 * `compaction` item and the summary's terminal event with its usage. A failure stays a failure.
 */
function compactionEvents(upstream: ReadableStream<ResponsesEvent>, model: string): ReadableStream<ResponsesEvent> {
  const reader = upstream.getReader()
  let queue: ResponsesEvent[] = []
  const builder = new ResponseBuilder((event) => queue.push(event), { model })
  const done: OutputItem[] = []
  const finishWith = (event: ResponsesEvent): void => {
    if (event.type === 'response.completed') {
      const output = event.response.output?.length ? event.response.output : done.filter(Boolean)
      const summary = summaryTextOf(output)
      if (!summary) return builder.fail({ code: 'server_error', message: 'Compaction failed: the model wrote no summary.' }, event.response.usage ?? undefined)
      builder.addCompleteItem({ type: 'compaction', id: `cmp_${crypto.randomUUID().replaceAll('-', '')}`, encrypted_content: encodeSummary(summary) })
      builder.complete(event.response.usage ?? undefined)
    } else if (event.type === 'response.incomplete') {
      builder.incomplete(event.response.incomplete_details?.reason ?? 'max_output_tokens', event.response.usage ?? undefined)
    } else if (event.type === 'response.failed') {
      builder.fail(event.response.error ?? { code: 'server_error', message: 'Compaction failed.' }, event.response.usage ?? undefined)
    }
  }
  return new ReadableStream<ResponsesEvent>(
    {
      start() {
        builder.start()
      },
      async pull(controller) {
        while (!queue.length && !builder.isFinished) {
          const next = await reader.read()
          if (next.done) {
            builder.fail({ code: 'server_error', message: 'Compaction failed: the upstream ended the summary before it finished.' })
            break
          }
          const event = next.value
          if (event.type === 'response.output_item.done') {
            if (typeof event.output_index === 'number') done[event.output_index] = event.item
            else done.push(event.item)
          } else finishWith(event)
        }
        const out = queue
        queue = []
        for (const event of out) controller.enqueue(event)
        if (builder.isFinished) {
          controller.close()
          void reader.cancel().catch(() => {})
        }
      },
      cancel: (reason) => reader.cancel(reason),
    },
    { highWaterMark: 0 },
  )
}

/** Events → the client's bytes, told to the request's tracker as `decodeBody` tells it. */
function encodedEvents(events: ReadableStream<ResponsesEvent>, encode: (event: ResponsesEvent) => string, tracker?: StreamTracker): ReadableStream<Uint8Array> {
  const reader = events.getReader()
  const bytes = new TextEncoder()
  const stream = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const next = await reader.read()
        if (next.done) {
          controller.close()
          tracker?.end()
          return
        }
        const chunk = bytes.encode(encode(next.value))
        tracker?.chunk(chunk.byteLength, next.value.type === 'response.output_item.done')
        controller.enqueue(chunk)
      },
      cancel(reason) {
        tracker?.end('client-closed')
        return reader.cancel(reason)
      },
    },
    { highWaterMark: 0 },
  )
  return tracker ? markTracked(stream) : stream
}
