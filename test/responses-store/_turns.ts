/**
 * Hand-written turns for the store tests: a request goes through the same
 * steps the front door will take (expand → upstream events from the real
 * ResponseBuilder → recorder), with a scripted answer instead of an upstream.
 */
import { counterIds, ResponseBuilder, type IdGenerator } from '../../src/canonical/builder.ts'
import type { ResponseObject, ResponsesEvent, ResponsesRequest } from '../../src/canonical/types.ts'
import { expandStoredContext, type ExpandOptions } from '../../src/responses-store/expand.ts'
import { recordFromEvents } from '../../src/responses-store/recorder.ts'
import type { ResponseStore } from '../../src/responses-store/store.ts'

export type Step =
  | { say: string }
  | { think: string; encrypted?: string }
  | { call: string; name: string; args: string }
  | { custom: string; name: string; input: string }

export interface TurnResult {
  response: ResponseObject
  sent: ResponsesRequest
  events: ResponsesEvent[]
}

/** One request through expansion, a scripted answer, and the recorder. */
export function runTurn(store: ResponseStore, request: ResponsesRequest, steps: Step[], options: ExpandOptions & { ids?: IdGenerator; end?: 'complete' | 'incomplete' | 'fail' } = {}): TurnResult {
  const expanded = expandStoredContext(request, store, options)
  const record = recordFromEvents(store, expanded.resolvedInput, request)
  const events: ResponsesEvent[] = []
  const builder = new ResponseBuilder((event) => {
    events.push(event)
    record(event)
  }, { model: request.model, ids: options.ids ?? counterIds() })
  for (const step of steps) {
    if ('say' in step) {
      const handle = builder.openMessage()
      builder.messageDelta(handle, step.say)
      builder.close(handle)
    } else if ('think' in step) {
      const handle = builder.openReasoning()
      builder.reasoningDelta(handle, step.think)
      if (step.encrypted) builder.setReasoningEncryptedContent(handle, step.encrypted)
      builder.close(handle)
    } else if ('call' in step) {
      const handle = builder.openFunctionCall({ callId: step.call, name: step.name })
      builder.argumentsDelta(handle, step.args)
      builder.close(handle)
    } else {
      const handle = builder.openCustomToolCall({ callId: step.custom, name: step.name })
      builder.customInputDelta(handle, step.input)
      builder.close(handle)
    }
  }
  const usage = { input_tokens: 10, output_tokens: 5, total_tokens: 15 }
  if (options.end === 'incomplete') builder.incomplete('max_output_tokens', usage)
  else if (options.end === 'fail') builder.fail({ code: 'server_error', message: 'upstream broke' })
  else builder.complete(usage)
  const terminal = events.at(-1) as { response: ResponseObject }
  return { response: terminal.response, sent: expanded.request, events }
}

/** Ids unique across a test file (the builder's counter restarts per turn). */
export function prefixedIds(tag: string): IdGenerator {
  const next = counterIds()
  return (prefix) => next(`${prefix}_${tag}`)
}

export const user = (text: string) => ({ type: 'message' as const, role: 'user' as const, content: [{ type: 'input_text' as const, text }] })
