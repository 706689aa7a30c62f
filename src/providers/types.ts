import type { DecodedBody } from '../canonical/decode.ts'
import type { ChatgptService } from '../chatgpt/service.ts'
import type { ResponsesEvent, ResponsesRequest } from '../canonical/types.ts'
import type { ModelSettings } from '../settings/schema.ts'
import type { PassthroughDialect } from '../sse/watch.ts'
import type { StreamTracker } from '../sse/tracker.ts'
import type { ProviderContext } from '../upstream/context.ts'

/** The dialect an upstream speaks; `none` for a subprocess with its own protocol. */
export type UpstreamDialect = 'responses' | 'chat' | 'messages' | 'none'

/** What a request was routed to: the name the client used, and the model entry behind it. */
export interface ProviderTarget {
  /** The name the client used (reported back as the answer's model). */
  slug: string
  model: ModelSettings
}

export interface ProviderStream extends DecodedBody {
  /** Response headers to pass to the client (e.g. rate-limit headers). */
  headers?: Record<string, string>
}

/** Stateful integrations some kinds need; the server owns them. */
export interface ProviderServices {
  /** The ChatGPT subscription; null when disabled. */
  chatgpt: ChatgptService | null
  /** The variables the settings name for keys (`api_key_env`, `${NAME}` in `api_key`): kept from child processes. */
  keyVariables?: readonly string[]
}

export interface RequestContext extends ProviderContext {
  services: ProviderServices
}

/** A client body for a same-dialect fast path. */
export interface ForwardBody {
  /** The parsed body, with any pinned options already applied. */
  json: Record<string, unknown>
  /** The exact bytes the client sent, when nothing was changed: sent as they came. */
  text: string | null
  stream: boolean
  /** How the client's dialect ends a stream, and hears a failure mid-stream. */
  passthrough: PassthroughDialect
  /** Told the usage the upstream reported, in the client's (= the upstream's) dialect. */
  onUsage?: (usage: unknown) => void
  /** Told the code of an upstream error the client gets as it came (a 400 naming a field). */
  onError?: (code: string) => void
  /** Told the id the upstream gave its answer (Responses), for the auto router to know the task it continues. */
  onAnswerId?: (id: string) => void
  /**
   * Told each canonical event, where a fast path decodes the answer anyway
   * (the ChatGPT backend for clients other than Codex): the response store
   * records from it. Byte-level passthroughs never call it.
   */
  onEvent?: (event: ResponsesEvent) => void
}

/**
 * A call on a response the upstream stored: `GET`/`DELETE /responses/{id}` or
 * `GET /responses/{id}/input_items`, for a kind that keeps Responses state.
 */
export interface StoredCall {
  method: 'GET' | 'DELETE'
  /** What follows `/responses/`, percent-encoded: `resp_…` or `resp_…/input_items`. */
  path: string
  /** The client's query string (`?limit=…`, `?stream=true`), or ''. */
  query: string
}

/** What settings validation needs of a kind: whether it takes a base URL, and its defaults. */
export interface ProviderSettings {
  /** The API root used when an entry names none; absent means `base_url` is required (or, with `baseUrl: 'none'`, unused). */
  defaultBaseUrl?: string
  baseUrl: 'required' | 'optional' | 'none'
  /** The key variable read when an entry names no key, and only for the default host: a key never goes to a third party by default. */
  defaultKeyEnv?: string
}

/**
 * One provider kind as the registry declares it: data that settings, the
 * model list and the front door read, and where its code is. The code loads
 * with the first request the kind serves, so a proxy answers `/health`
 * without reading any upstream's code.
 */
export interface ProviderKind {
  /** The dialect it speaks upstream: a client of the same dialect takes `forward` when present. */
  readonly dialect: UpstreamDialect
  readonly settings: ProviderSettings
  /** The upstream keeps Responses state itself (`store`, `previous_response_id`): the shim passes ids through. */
  readonly keepsState?: boolean
  load(): Promise<ProviderImplementation>
}

/** A provider file's export: the code behind a kind. */
export interface ProviderImplementation {
  /** `name@host` for logs; never a secret. */
  label(model: ModelSettings): string
  /**
   * Opens the upstream for a canonical request. Resolves once the upstream
   * accepted it and throws a ShimError for anything before that; later
   * failures arrive as the stream's terminal `response.failed` event.
   */
  open(request: ResponsesRequest, target: ProviderTarget, context: RequestContext): Promise<ProviderStream>
  /** The fast path for clients of this kind's own dialect: the answer to send, bytes passed through. */
  forward?(body: ForwardBody, target: ProviderTarget, context: RequestContext): Promise<Response>
  /**
   * A response this kind's upstream stored, read or deleted there (kinds that keep state):
   * the upstream's answer when it is the answer (2xx, 404, a refused query), else a ShimError.
   */
  stored?(call: StoredCall, target: ProviderTarget, context: RequestContext): Promise<Response>
  /** Server-side `/responses/compact`, for kinds whose upstream has one. */
  compact?(body: ForwardBody, target: ProviderTarget, context: RequestContext): Promise<Response>
}

/** A kind with its code loaded: what routes and the router call. */
export type ProviderEntry = Omit<ProviderKind, 'load'> & ProviderImplementation

/** A ProviderStream over a decoded body; `events` is built only if read. */
export function providerStream(decoded: DecodedBody, headers?: Record<string, string>): ProviderStream {
  return {
    events: () => decoded.events(),
    encoded: (encode: (event: ResponsesEvent) => string, tracker?: StreamTracker) => decoded.encoded(encode, tracker),
    ...(headers && { headers }),
  }
}
