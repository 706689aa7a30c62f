import type { ProviderContext } from '../upstream/context.ts'
import type { OpenedUpstream } from '../upstream/http.ts'
import { passthroughResponse } from '../upstream/passthrough.ts'
import type { ForwardBody } from './types.ts'

/**
 * The upstream's judgement of the client's own body (a 400 naming a field, a 422, a 413): on a
 * fast path the client gets it as the upstream wrote it, `param` and `type` included, as it would
 * without codex-shim. Statuses where the proxy adds something (a key to check for 401/403, a model
 * id for 404, retries for 429 and 5xx) are still the proxy's to say.
 */
export function upstreamRefusedRequest(status: number): boolean {
  return status === 400 || status === 409 || status === 413 || status === 415 || status === 422
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
    tracker: context.tracker,
    request: body.json,
    onError: body.onError,
  })
}
