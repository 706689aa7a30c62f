import * as v from 'valibot'
import { ShimError, toShimError } from '../errors.ts'
import pageSource from './page.html' with { type: 'text' }
import type { UiModel } from './models.ts'
import type { RequestRing } from './request-ring.ts'
import { randomHex } from './same-secret.ts'
import { API_HEADERS, apiError, apiJson, checkApiToken, checkPageLoad, checkPageToken, checkSameOrigin, COMMON_HEADERS, pagePolicy } from './security.ts'
import { onShutdown } from '../shutdown.ts'

export type { UiModel } from './models.ts'

/** What the control page needs from the proxy, injected so the page is tested on its own. */
export interface UiDeps {
  listModels(): Promise<UiModel[]>
  /** The model in Codex's managed block, or null without one. */
  activeModel(): string | null
  /** Writes the managed block's model (and the provider's display name), as `model use` does. */
  switchModel(slug: string): Promise<{ changed: boolean; display_name: string }>
  /** Quits and reopens Codex Desktop; absent where the proxy cannot do it (no Desktop on Linux): the page hides the option. */
  restartDesktop?: () => Promise<string>
  /** The latest ChatGPT plan figures (a QuotaSnapshot), or null before the first response. */
  quota(): unknown | null
  /** version, uptime_s, models, chatgpt_passthrough, cursor_passthrough, cooling_down. */
  health(): Promise<Record<string, unknown>>
  ring: RequestRing
  /** Random per process (`randomHex()`); embedded in the page, required on POST. */
  pageToken: string
  /** CODEX_SHIM_TOKEN: when set, `/api/*` requires it as a bearer token. */
  apiToken?: string
  /** Period of the live stream's heartbeat comment; 15 s. */
  heartbeatMs?: number
}

export type UiHandler = (request: Request) => Promise<Response>

export const UI_ROUTES = ['GET /', 'GET /picker', 'GET /api/models', 'GET /api/requests', 'GET /api/requests/stream', 'GET /api/health', 'POST /api/switch'] as const
export type UiRoute = (typeof UI_ROUTES)[number]

const PAGE = pageSource as unknown as string // Bun's `type: 'text'` import; bun-types declares *.html as a bundle
const HEARTBEAT_MS = 15_000
/** Live streams at once: one per open tab is expected; this bounds a runaway client. */
const MAX_STREAMS = 16
const MAX_SWITCH_BODY = 4096

const SwitchBody = v.object({
  slug: v.pipe(v.string('expected "slug" as a string'), v.nonEmpty('expected a non-empty "slug"'), v.maxLength(200, 'expected a shorter "slug"')),
  restart: v.optional(v.boolean('expected "restart" as true or false')),
})

function errorResponse(error: unknown): Response {
  return apiError(toShimError(error))
}

/** The page with this response's nonce and the process's page token filled in. */
function renderPage(pageToken: string): Response {
  const nonce = randomHex(16)
  const html = PAGE.replaceAll('__CSP_NONCE__', nonce).replace('__PAGE_TOKEN__', pageToken)
  return new Response(html, { headers: { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': pagePolicy(nonce), ...COMMON_HEADERS } })
}

async function readSwitchBody(request: Request): Promise<v.InferOutput<typeof SwitchBody>> {
  const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase()
  if (type !== 'application/json') throw new ShimError('unsupported_media_type', `Expected Content-Type: application/json, got "${type || 'none'}".`)
  const text = await request.text()
  if (text.length > MAX_SWITCH_BODY) throw new ShimError('payload_too_large', 'The switch request is too large; send {"slug": "…"}.')
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ShimError('bad_request', 'The body is not JSON; send {"slug": "…", "restart": false}.')
  }
  const parsed = v.safeParse(SwitchBody, body)
  if (!parsed.success) throw new ShimError('bad_request', `${v.getDotPath(parsed.issues[0]) ?? 'body'}: ${parsed.issues[0].message}`)
  return parsed.output
}

function requestStream(deps: UiDeps, request: Request): Response {
  if (deps.ring.subscribers >= MAX_STREAMS) throw new ShimError('bad_request', 'Too many open control pages; close some tabs.', { status: 429 })
  const encoder = new TextEncoder()
  let stop = () => {}
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text))
        } catch {
          stop() // the stream is already closed
        }
      }
      const unsubscribe = deps.ring.subscribe((entry) => send(`event: request\ndata: ${JSON.stringify(entry)}\n\n`))
      // A comment line keeps proxies and idle timers from closing a quiet stream.
      const timer = setInterval(() => send(': heartbeat\n\n'), deps.heartbeatMs ?? HEARTBEAT_MS)
      // A stopping proxy ends the page's stream (the page reconnects to the next one) rather than wait on it.
      const forget = onShutdown(() => {
        stop()
        try {
          controller.close()
        } catch {}
      })
      stop = () => {
        unsubscribe()
        clearInterval(timer)
        forget()
      }
      request.signal.addEventListener('abort', () => stop(), { once: true })
      send(': connected\n\n')
    },
    cancel() {
      stop()
    },
  })
  return new Response(body, { headers: { 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no', ...API_HEADERS } })
}

/**
 * The control page and its API, keyed `METHOD /path`. Each handler runs its
 * own checks (the proxy's guard runs before it): same origin for the API, the
 * API token when one is set, and the page token for changes.
 */
export function createUiRoutes(deps: UiDeps): Record<UiRoute, UiHandler> {
  const page = async (request: Request) => {
    checkPageLoad(request)
    return renderPage(deps.pageToken)
  }
  const api = (handler: (request: Request) => Promise<Response> | Response): UiHandler => async (request) => {
    try {
      checkSameOrigin(request)
      checkApiToken(request, deps.apiToken)
      return await handler(request)
    } catch (error) {
      return errorResponse(error)
    }
  }
  return {
    'GET /': async (request) => page(request).catch(errorResponse),
    'GET /picker': async (request) => page(request).catch(errorResponse),
    'GET /api/models': api(async () => apiJson({ models: await deps.listModels(), active: deps.activeModel() })),
    'GET /api/requests': api(() => apiJson({ requests: deps.ring.list() })),
    'GET /api/requests/stream': api((request) => requestStream(deps, request)),
    'GET /api/health': api(async () => apiJson({ ...(await deps.health()), quota: deps.quota() ?? null, desktop_restart: Boolean(deps.restartDesktop) })),
    'POST /api/switch': api(async (request) => {
      checkPageToken(request, deps.pageToken)
      const { slug, restart } = await readSwitchBody(request)
      const models = await deps.listModels()
      if (!models.some((model) => model.slug === slug)) throw new ShimError('unknown_model', `No model "${slug}". Pick one from the list.`)
      const switched = await deps.switchModel(slug)
      let restarted: string | null = null
      // The switch is written by now: a restart that fails is said beside it, not as the request's failure.
      let restartError: string | null = null
      if (restart && deps.restartDesktop) {
        try {
          restarted = await deps.restartDesktop()
        } catch (error) {
          restartError = error instanceof Error ? error.message : String(error)
        }
      } else if (restart) restarted = 'Codex Desktop cannot be restarted here (it runs on macOS and Windows only); the Codex CLI picks up the new model on its next start.'
      return apiJson({ ok: true, active: slug, changed: switched.changed, display_name: switched.display_name, restart: restarted, ...(restartError && { restart_error: restartError }) })
    }),
  }
}

/** Finds the UI handler for a request, or null: for a server that mounts the page beside other routes. */
export function matchUiRoute(routes: Record<UiRoute, UiHandler>, request: Request): UiHandler | null {
  const method = request.method === 'HEAD' ? 'GET' : request.method
  const path = new URL(request.url).pathname.replace(/(.)\/+$/, '$1')
  const key = `${method} ${path}`
  return (UI_ROUTES as readonly string[]).includes(key) ? routes[key as UiRoute] : null
}
