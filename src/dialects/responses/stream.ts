import { ResponseBuilder } from '../../canonical/builder.ts'
import type { EventDecoder } from '../../canonical/decode.ts'
import { TERMINAL_EVENT_TYPES, type OutputItem, type ResponseObject, type ResponsesEvent } from '../../canonical/types.ts'
import type { ShimError } from '../../errors.ts'
import { parseJson, type SseMessage } from '../../sse/parse.ts'
import { responsesFailure } from './errors.ts'
import { answerTooLarge, maxAnswerBytes } from '../../canonical/answer-limit.ts'

/** Events Codex ignores over HTTP that other clients should not see (spec §d.2). */
const SKIPPED = new Set(['keepalive', 'codex.rate_limits', 'error'])

/**
 * A Responses upstream's SSE → canonical events, nearly unchanged: backend
 * housekeeping events are dropped, an empty terminal `output` is filled from
 * the committed items, and, as every decoder guarantees, a stream that ends
 * or breaks without a terminal event gets a `response.failed`.
 */
export function createResponsesDecoder(emit: (event: ResponsesEvent) => void, options: { model: string; maxAnswerBytes?: number }): EventDecoder<SseMessage> {
  const limit = options.maxAnswerBytes ?? maxAnswerBytes()
  let held = 0
  let finished = false
  let sawError: string | null = null
  const done: OutputItem[] = []
  const failWith = (error: { code: string; message: string }) => {
    if (finished) return
    finished = true
    const builder = new ResponseBuilder(emit, { model: options.model })
    builder.fail(error)
  }
  return {
    push(sse) {
      if (finished) return
      const parsed = parseJson(sse.data)
      if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return
      const event = parsed.value as ResponsesEvent & { message?: string }
      if (event.type === 'error') sawError = typeof event.message === 'string' ? event.message : 'error event'
      if (typeof event.type !== 'string' || SKIPPED.has(event.type)) return
      if (event.type === 'response.output_item.done') {
        // Committed items are kept for the terminal event: they count against the answer cap.
        held += sse.data.length
        if (held > limit) return failWith(answerTooLarge(limit))
        const { output_index: index, item } = event as { output_index?: number; item: OutputItem }
        if (typeof index === 'number') done[index] = item
        else done.push(item)
      }
      if (TERMINAL_EVENT_TYPES.has(event.type)) {
        finished = true
        // The ChatGPT backend ends with `output: []`; SDKs read the final output from this event.
        const response = (event as { response?: ResponseObject }).response
        if (response && !response.output?.length && done.length) return emit({ ...event, response: { ...response, object: 'response', output: done.filter(Boolean) } } as ResponsesEvent)
      }
      emit(event)
    },
    end() {
      failWith({ code: 'server_error', message: sawError ? `The upstream reported an error: ${sawError}` : 'The upstream closed the stream before response.completed.' })
    },
    fail(error: ShimError) {
      failWith(responsesFailure(error))
    },
  }
}
