import { LOG_LEVELS, type Log } from '../log.ts'
import { isTracked, type StreamTracker } from '../sse/tracker.ts'

/** What one request's log line, ledger row and recent-requests entry say. Never a body, key or token. */
export interface RequestSummary {
  method: string
  path: string
  /** The client's dialect, for requests that went through a front door. */
  dialect?: 'responses' | 'chat' | 'messages'
  slug?: string
  upstream?: string
  /** Provider kind and upstream host, for the ledger. */
  provider?: string
  upstreamHost?: string | null
  /** The model that really served (after the router and fallbacks). */
  servedModel?: string
  /** How the model was chosen when not by name. */
  routedBy?: 'router' | 'fallback' | null
  status?: number
  stream?: boolean
  outcome?: string
  /** The code of an error that ended the answer, before or after a 200. */
  errorCode?: string | null
  /** The usage the upstream reported, canonical unless `usageDialect` says otherwise. */
  usage?: unknown
  usageDialect?: 'responses' | 'chat' | 'messages'
  /** An HTTP upstream was sent a request (set by the upstream side as it sends). */
  upstreamContacted?: boolean
  /** Upstream attempts retried before the first byte. */
  retries?: number
  bytesIn?: number
  bytesOut?: number
  /** performance.now() when the answer's first token went to the client (see StreamTracker.chunk); unset when none did. */
  firstByteAt?: number
  price?: unknown
  startedAt: number
  /** Wall-clock start (ms since the epoch), for the ledger. */
  startedAtMs: number
  /** The client's headers: only the ledger's task key (a hash) reads them; never logged. */
  headers?: Headers
}

export function formatSummary(summary: RequestSummary, now = performance.now()): string {
  const ms = (now - summary.startedAt).toFixed(1)
  const parts = [
    summary.method,
    summary.path,
    `model=${summary.slug ?? '-'}`,
    `upstream=${namedUpstream(summary) ?? '-'}`,
    `status=${summary.status ?? '-'}`,
    `${ms}ms`,
    `stream=${summary.stream ? 'yes' : 'no'}`,
  ]
  if (summary.servedModel && summary.servedModel !== summary.slug) parts.push(`served=${summary.servedModel}`)
  if (summary.retries) parts.push(`retries=${summary.retries}`)
  if (summary.outcome) parts.push(`outcome=${summary.outcome}`)
  // The client-side reason, when the kind alone would not say it (an upload that stopped, a body too large).
  if (summary.errorCode && summary.errorCode !== summary.outcome) parts.push(`error=${summary.errorCode}`)
  return parts.join(' ')
}

/** A request's line, built only when it will be written (a warn-level proxy writes none). */
export function logRequestLine(log: Log, summary: RequestSummary): void {
  if (log.level >= LOG_LEVELS.info) log.info(formatSummary(summary))
}

/**
 * The upstream a line may name: an HTTP upstream only once a request went to it.
 * A request that failed before that (its body, its translation) failed here, and a
 * line naming the upstream would send the reader to the wrong place.
 */
function namedUpstream(summary: RequestSummary): string | undefined {
  if (!summary.upstream || !summary.upstreamHost) return summary.upstream
  return summary.upstreamContacted ? summary.upstream : undefined
}

/**
 * One request's end: `finished` runs once, when the response body has been
 * fully sent or the client went away, so the summary carries the real
 * duration of a streamed turn, its first-token time and its size. The fast
 * paths' streams report to it themselves; any other body is wrapped.
 */
export class BodyTracker implements StreamTracker {
  private bytes = 0
  private done = false
  /** `finish` has the response: its status is the summary's. */
  private responded = false
  /** Set when the answer streams: the connection's idle limit was lifted and must come back at the end. */
  onEnd?: () => void

  constructor(
    private readonly summary: RequestSummary,
    private readonly finished: (summary: RequestSummary) => void,
  ) {}

  chunk(size: number, firstToken?: boolean): void {
    if (firstToken ?? !this.bytes) this.summary.firstByteAt ??= performance.now()
    this.bytes += size
  }

  end(outcome?: string): void {
    if (this.done) return
    this.done = true
    this.summary.bytesOut = this.bytes
    this.onEnd?.()
    if (outcome) this.summary.outcome = outcome
    // A stream read as it is made can end before its response reaches `finish` (an upstream that
    // failed in its first chunk): the summary is told then, with the status the client got.
    if (this.responded) this.finished(this.summary)
  }

  /** The response as sent: ends now when there is nothing to stream, else when its body ends. */
  finish(response: Response): Response {
    const summary = this.summary
    summary.status = response.status
    this.responded = true
    if (this.done) {
      this.finished(summary)
      return response
    }
    if (!response.body || !summary.stream) {
      this.end()
      return response
    }
    if (isTracked(response.body)) return response
    const reader = response.body.getReader()
    // An error's body is no token, nor is a 200 that streams only a failure (Codex hears a context
    // overflow as a response.failed); a stream's first bytes are taken as its first token.
    const tokens = response.ok && summary.errorCode === undefined ? undefined : false
    // Pull-through (not a TransformStream): a client disconnect must reach cancel(). A promise
    // chain rather than an async pull: it runs once per chunk of every translated answer.
    let controller!: ReadableStreamDefaultController<Uint8Array>
    const relay = ({ value, done }: Awaited<ReturnType<typeof reader.read>>) => {
      if (done) {
        this.end()
        controller.close()
      } else {
        this.chunk(value.byteLength, tokens)
        controller.enqueue(value)
      }
    }
    const body = new ReadableStream<Uint8Array>(
      {
        start: (streamController) => {
          controller = streamController
        },
        pull: () => reader.read().then(relay),
        cancel: (reason) => {
          this.end('client-closed')
          return reader.cancel(reason)
        },
      },
      { highWaterMark: 0 },
    )
    return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers })
  }
}

