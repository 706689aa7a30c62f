import { ShimError } from '../errors.ts'
import { isRelayedEvent, type OutputItem, type ResponseObject, type ResponsesEvent, type TerminalEventType } from './types.ts'

export interface AggregatedResponse {
  response: ResponseObject
  /** The terminal event seen, or null when the stream ended without one. */
  terminal: TerminalEventType | null
}

/**
 * The one place a stream of events becomes a final response object (for
 * `stream: false` callers). The terminal event's `response` is the answer;
 * when it carries no output (the ChatGPT backend sends `output: []`), the
 * items committed by `output_item.done` are used instead. `look` sees every
 * event on the way (the response store records from them).
 */
export async function aggregateEvents(events: AsyncIterable<ResponsesEvent>, look?: (event: ResponsesEvent) => void): Promise<AggregatedResponse> {
  const done: OutputItem[] = []
  let last: ResponseObject | null = null
  for await (const event of events) {
    look?.(event)
    if (isRelayedEvent(event)) continue // hosted tools' progress: their items come whole in output_item.done
    switch (event.type) {
      case 'response.output_item.done':
        if (typeof event.output_index === 'number') done[event.output_index] = event.item
        else done.push(event.item)
        break
      case 'response.created':
      case 'response.in_progress':
        last = event.response
        break
      case 'response.completed':
      case 'response.incomplete':
      case 'response.failed': {
        const response = event.response
        const output = response.output?.length ? response.output : done.filter(Boolean)
        // Upstreams' terminal events may omit fields a final response object has (the ChatGPT backend does).
        const complete: ResponseObject = {
          ...response,
          object: 'response',
          created_at: response.created_at ?? last?.created_at ?? Math.floor(Date.now() / 1000),
          model: response.model ?? last?.model ?? '',
          output,
        }
        return { response: complete, terminal: event.type }
      }
      // Parts and deltas: the committed items say it all.
      case 'response.output_item.added':
      case 'response.content_part.added':
      case 'response.content_part.done':
      case 'response.output_text.delta':
      case 'response.output_text.done':
      case 'response.output_text.annotation.added':
      case 'response.refusal.delta':
      case 'response.refusal.done':
      case 'response.reasoning_summary_part.added':
      case 'response.reasoning_summary_part.done':
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_summary_text.done':
      case 'response.reasoning_text.delta':
      case 'response.reasoning_text.done':
      case 'response.function_call_arguments.delta':
      case 'response.function_call_arguments.done':
      case 'response.custom_tool_call_input.delta':
      case 'response.custom_tool_call_input.done':
        break
      default: {
        const unhandled: never = event
        return unhandled
      }
    }
  }
  const base = last ?? { id: 'resp_unknown', object: 'response', created_at: Math.floor(Date.now() / 1000), model: '', output: [] }
  return { response: { ...base, status: 'failed', output: done.filter(Boolean) } as ResponseObject, terminal: null }
}

/**
 * A non-streamed answer that failed or never finished, as the error to send
 * instead (nothing has reached the client yet, so it gets a real status):
 * 400 for context length, 429 for rate limits and quota, 504 for timeouts,
 * 502 for everything else the upstream got wrong.
 */
export function unfinishedAnswerError(aggregated: AggregatedResponse): ShimError | null {
  if (aggregated.terminal === 'response.completed' || aggregated.terminal === 'response.incomplete') return null
  return failedAnswerError(aggregated.response.error)
}

/** A failed answer's error (a `response.failed` event's), as the status a client would have had before any byte. */
export function failedAnswerError(error: ResponseObject['error'], options: { firstRead?: boolean } = {}): ShimError {
  const code = error?.code
  const message = error?.message ?? 'The upstream ended without an answer.'
  // Of the kind an error status would have had, so each dialect gives it the same type as its own (rate_limit_error for a 429).
  if (code === 'context_length_exceeded') return new ShimError('context_length_exceeded', message, { status: 400, code })
  if (code === 'rate_limit_exceeded' || code === 'insufficient_quota') return new ShimError('upstream_http', message, { status: 429, code })
  // The upstream refused the request itself: the 400 its status would have been, not an outage.
  if (code === 'invalid_prompt') return new ShimError('upstream_http', message, { status: 400, code })
  if (code === 'timeout') return new ShimError('upstream_timeout', message, { status: 504, code })
  // Failed in the upstream's first read, before any answer: an outage as an error status would be (fallbacks, the breaker).
  return new ShimError(options.firstRead ? 'upstream_http' : 'upstream_stream', message, { status: 502, code })
}
