import { patchForBackend } from '../chatgpt/patch-body.ts'
import type { ChatgptService } from '../chatgpt/service.ts'
import { clientResponseHeaders } from '../chatgpt/backend.ts'
import { decodeSse } from '../canonical/decode.ts'
import type { ResponsesRequest } from '../canonical/types.ts'
import { createResponsesDecoder } from '../dialects/responses/stream.ts'
import { ShimError } from '../errors.ts'
import type { ModelSettings } from '../settings/schema.ts'
import { readBounded } from './http.ts'
import { providerStream, type Provider, type ProviderContext, type ProviderStream } from './types.ts'

/** True for requests from Codex itself (it identifies with an `originator` header). */
export function isCodexClient(headers: Headers): boolean {
  return Boolean(headers.get('originator'))
}

/** The patched body to send: the original bytes when nothing needed changing. */
export async function backendBody(service: ChatgptService, model: ModelSettings, request: Record<string, unknown>, rawText: string | null, clientHeaders: Headers): Promise<string> {
  const patched = patchForBackend(request, {
    model: model.model,
    clientIsCodex: isCodexClient(clientHeaders),
    efforts: await service.catalog.efforts(model.model).catch(() => null),
    pinnedEffort: model.reasoning_effort,
    pinnedServiceTier: model.service_tier,
  })
  return patched ? JSON.stringify(patched) : (rawText ?? JSON.stringify(request))
}

/**
 * The ChatGPT subscription (`chatgpt` routes): the Responses API with the
 * user's `codex login` token. Responses clients get the backend's bytes
 * directly (see routes/responses.ts); this `open` serves everyone else by
 * reading the same stream as canonical events.
 */
export function createChatgptProvider(service: ChatgptService, model: ModelSettings, slug: string): Provider {
  return {
    label: 'chatgpt',
    async open(request: ResponsesRequest, context: ProviderContext): Promise<ProviderStream> {
      const body = await backendBody(service, model, request, null, context.clientHeaders)
      const response = await service.send(body, context)
      if (response.status === 429) {
        const text = await readBounded(response)
        let code = 'rate_limit_exceeded'
        let message = text.slice(0, 500)
        try {
          const json = JSON.parse(text) as { error?: { type?: string; message?: string } }
          if (json.error?.type === 'usage_limit_reached') code = 'usage_limit_reached'
          message = json.error?.message ?? message
        } catch {}
        throw new ShimError('upstream_http', `ChatGPT: ${message}`, { status: 429, code, retryAfter: response.headers.get('retry-after') ?? undefined })
      }
      if (!response.body) throw new ShimError('upstream_stream', 'The ChatGPT backend answered with no body.')
      return providerStream(decodeSse(response.body, (emit) => createResponsesDecoder(emit, { model: slug }), { idleTimeoutMs: context.idleTimeoutMs }), clientResponseHeaders(response.headers))
    },
  }
}
