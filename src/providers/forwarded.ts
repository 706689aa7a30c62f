import type { ProviderContext } from '../upstream/context.ts'
import type { OpenedUpstream } from '../upstream/http.ts'
import { passthroughResponse } from '../upstream/passthrough.ts'
import type { ForwardBody } from './types.ts'

/**
 * A fast path's upstream answer, handed to the client through the passthrough
 * watchdog with everything the request carries: the client's dialect, the
 * model name it asked for, its usage and tracker hooks, and the way to abort.
 */
export function forwardedAnswer({ response, abort }: OpenedUpstream, body: ForwardBody, slug: string, label: string, context: ProviderContext): Promise<Response> {
  return passthroughResponse(response, {
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
  })
}
