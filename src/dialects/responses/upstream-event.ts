import { isResponsesEventType, type ResponsesEvent } from '../../canonical/types.ts'

/**
 * What a Responses upstream streams besides the events of the union: its own
 * housekeeping, which the decoder reads or drops and never passes on (spec
 * §d.2: Codex ignores them over HTTP; the openai SDK knows none but `error`).
 */
export type ResponsesHousekeepingEvent =
  // The API's stream error; the answer still ends with `response.failed` or EOF, which says more.
  | { type: 'error'; message?: unknown; [key: string]: unknown }
  // ChatGPT backend: a heartbeat and a rate-limit snapshot (the headers carry the same).
  | { type: 'keepalive' }
  | { type: 'codex.rate_limits'; [key: string]: unknown }

export type ResponsesUpstreamEvent = ResponsesEvent | ResponsesHousekeepingEvent

const HOUSEKEEPING: ReadonlySet<string> = new Set<ResponsesHousekeepingEvent['type']>(['error', 'keepalive', 'codex.rate_limits'])

/**
 * A parsed SSE `data` value as an upstream event, or null for anything
 * else: not an object, no string `type`, or a type neither the union nor the
 * housekeeping list has (skipped, as every decoder skips what it does not
 * know). Only `type` is checked: the other fields are the upstream's, as
 * the Responses API defines them.
 */
export function readUpstreamEvent(value: unknown): ResponsesUpstreamEvent | null {
  if (typeof value !== 'object' || value === null) return null
  const type = (value as { type?: unknown }).type
  if (typeof type !== 'string' || !(isResponsesEventType(type) || HOUSEKEEPING.has(type))) return null
  return value as ResponsesUpstreamEvent
}

export function isHousekeepingEvent(event: ResponsesUpstreamEvent): event is ResponsesHousekeepingEvent {
  return HOUSEKEEPING.has(event.type)
}
