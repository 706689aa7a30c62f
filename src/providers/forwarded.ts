import type { ProviderContext } from '../upstream/context.ts'
import type { OpenedUpstream } from '../upstream/http.ts'
import { passthroughResponse } from '../upstream/passthrough.ts'
import type { ForwardBody } from './types.ts'
import type { ShimError } from '../errors.ts'
import { responsesFailure } from '../dialects/responses/errors.ts'

/**
 * The upstream's judgement of the client's own body (a 400 naming a field, a 422, a 413): on a
 * fast path the client gets it as the upstream wrote it, `param` and `type` included, as it would
 * without codex-shim. Statuses where the proxy adds something (a key to check for 401/403, a model
 * id for 404, retries for 429 and 5xx) are still the proxy's to say.
 */
export function upstreamRefusedRequest(status: number): boolean {
  return status === 400 || status === 409 || status === 413 || status === 415 || status === 422
}

/** A body that opens with its model: `{"model":"…"` (whitespace allowed), the name plain (no escape). */
const MODEL_FIRST = /^\s*\{\s*"model"\s*:\s*"([^"\\]*)"/

/**
 * The text a fast path sends: the client's own body with the upstream's model
 * id and `extra` top-level keys set, as `{ ...json, model, ...extra }` would
 * read. When the body opens with its model and names no other `"model"`
 * anywhere, that value is replaced in the client's text and `extra` goes
 * before its closing brace, so
 * the rest goes out as the client wrote it, without a second JSON.stringify of
 * a body that can be hundreds of KB (and with its numbers exact: a 20-digit
 * seed survives, which a parse and stringify would round). Anything else
 * (the model further in, a duplicate key, a letter of "model" written as a
 * \u escape, which could spell a second model key, an `extra` key the client
 * sent too) is serialised again.
 */
export function forwardedText(body: Pick<ForwardBody, 'json' | 'text'>, upstreamModel: string, extra?: Record<string, unknown>): string {
  const { json, text } = body
  if (text !== null && !extra && json.model === upstreamModel) return text
  const first = text === null ? null : MODEL_FIRST.exec(text)
  if (text !== null && first && first[1] === json.model && text.indexOf('"model"', first[0].length) < 0 && !text.includes('\\u006') && (!extra || Object.keys(extra).every((key) => !Object.hasOwn(json, key)))) {
    const valueEnd = first[0].length - 1
    const head = `${text.slice(0, valueEnd - first[1]!.length)}${JSON.stringify(upstreamModel).slice(1, -1)}`
    if (!extra) return `${head}${text.slice(valueEnd)}`
    const close = text.lastIndexOf('}')
    let added = ''
    for (const [key, value] of Object.entries(extra)) added += `,${JSON.stringify(key)}:${JSON.stringify(value)}`
    return `${head}${text.slice(valueEnd, close)}${added}${text.slice(close)}`
  }
  return JSON.stringify({ ...json, model: upstreamModel, ...extra })
}

/**
 * A fast path's upstream answer, handed to the client through the passthrough
 * watchdog with everything the request carries: the client's dialect, the
 * model name it asked for, its usage and tracker hooks, and the way to abort.
 */
export function forwardedAnswer({ response, abort }: OpenedUpstream, body: ForwardBody, slug: string, label: string, context: ProviderContext, extra: { dropUsageChunks?: boolean } = {}): Promise<Response> {
  return passthroughResponse(response, {
    dropUsageChunks: extra.dropUsageChunks,
    stream: body.stream,
    dialect: body.passthrough,
    clientModel: slug,
    idleTimeoutMs: context.idleTimeoutMs,
    label,
    keepAlive: context.keepAlive,
    onAbort: abort,
    onUsage: body.onUsage,
    onAnswerId: body.onAnswerId,
    tracker: context.tracker,
    request: body.json,
    onError: body.onError,
    onFailure: failureCodeTo(body.onError),
  })
}

/** A stream's failure after its 200, told by its code: the one a translated route's `response.failed` would carry. */
export function failureCodeTo(onError: ((code: string) => void) | undefined): ((failure: ShimError) => void) | undefined {
  return onError && ((failure) => onError(responsesFailure(failure).code))
}
