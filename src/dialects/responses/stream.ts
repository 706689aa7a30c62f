import { ResponseBuilder } from '../../canonical/builder.ts'
import type { EventDecoder } from '../../canonical/decode.ts'
import { isTerminalEvent, type OutputItem, type ResponsesEvent } from '../../canonical/types.ts'
import { ShimError } from '../../errors.ts'
import { parseJson, type SseMessage } from '../../sse/parse.ts'
import { responsesFailure, upstreamErrorEvent } from './errors.ts'
import { isHousekeepingEvent, readUpstreamEvent, type ResponsesHousekeepingEvent } from './upstream-event.ts'
import { answerTooLarge, maxAnswerBytes } from '../../canonical/answer-limit.ts'

/**
 * A Responses upstream's SSE → canonical events, nearly unchanged: backend
 * housekeeping events and types the union lacks are dropped, an empty terminal `output` is filled from
 * the committed items, and, as every decoder guarantees, a stream that ends
 * or breaks without a terminal event gets a `response.failed`.
 */
export function createResponsesDecoder(emit: (event: ResponsesEvent) => void, options: { model: string; maxAnswerBytes?: number }): EventDecoder<SseMessage> {
  const limit = options.maxAnswerBytes ?? maxAnswerBytes()
  let held = 0
  let finished = false
  // The last bare error event: its message and code go into the failure when the stream then ends unfinished.
  let sawError: ShimError | null = null
  const done: OutputItem[] = []
  const failWith = (error: { code: string; message: string }) => {
    if (finished) return
    finished = true
    const builder = new ResponseBuilder(emit, { model: options.model })
    builder.fail(error)
  }
  const noteHousekeeping = (event: ResponsesHousekeepingEvent) => {
    switch (event.type) {
      case 'error':
        sawError = upstreamErrorEvent(event) ?? new ShimError('upstream_stream', 'The upstream reported an error without a message.')
        return
      case 'keepalive':
      case 'codex.rate_limits':
        return
      default: {
        const unhandled: never = event
        return unhandled
      }
    }
  }
  return {
    push(sse) {
      if (finished) return
      const parsed = parseJson(sse.data)
      const event = parsed.ok ? readUpstreamEvent(parsed.value) : null
      if (!event) return
      if (isHousekeepingEvent(event)) return noteHousekeeping(event)
      if (event.type === 'response.output_item.done') {
        // Committed items are kept for the terminal event: they count against the answer cap.
        held += sse.data.length
        if (held > limit) return failWith(answerTooLarge(limit))
        if (typeof event.output_index === 'number') done[event.output_index] = event.item
        else done.push(event.item)
      }
      if (isTerminalEvent(event)) {
        finished = true
        // The ChatGPT backend ends with `output: []`; SDKs read the final output from this event.
        const response = event.response
        if (response && !response.output?.length && done.length) return emit({ ...event, response: { ...response, object: 'response', output: done.filter(Boolean) } })
      }
      emit(event)
    },
    end() {
      // The upstream's code carries on (context_length_exceeded is what clients act on); the message says whose it is.
      failWith(sawError ? { code: responsesFailure(sawError).code, message: `The upstream reported an error: ${sawError.message}` } : { code: 'server_error', message: 'The upstream closed the stream before response.completed.' })
    },
    fail(error: ShimError) {
      failWith(responsesFailure(error))
    },
  }
}
