import type { Usage } from '../canonical/types.ts'
import type { ChatUsage } from '../dialects/chat/api.ts'
import { chatOutputTokens } from '../dialects/chat/usage.ts'
import type { MessagesUsage } from '../dialects/messages/api.ts'
import { costOf, type Price } from './price.ts'
import { taskKey } from './task-key.ts'

export type ClientDialect = 'responses' | 'chat' | 'messages'
export type RoutedBy = 'router' | 'fallback' | null

/**
 * Token figures of one request, exactly as the upstream reported them (null
 * when it did not). `input_tokens` includes cached and cache-write tokens and
 * `output_tokens` includes reasoning tokens: OpenAI's convention, see costOf.
 */
export interface TokenCounts {
  input_tokens: number | null
  cached_input_tokens: number | null
  cache_write_tokens: number | null
  output_tokens: number | null
  reasoning_tokens: number | null
}

/** One finished request in the ledger. Never prompt or output text, keys or tokens. */
export interface UsageRow extends TokenCounts {
  /** When the request started, ms since the epoch. */
  time_ms: number
  /** The client's dialect (which front door it came through). */
  dialect: ClientDialect
  /** What the client asked for. */
  slug: string
  provider: string
  /** Host only: base URLs can carry keys in query strings. */
  upstream_host: string | null
  /** The model that really served, after the router and fallbacks. */
  served_model: string | null
  status: number
  error_code: string | null
  duration_ms: number
  /** Time to the first output token; null when none came. */
  ttft_ms: number | null
  /** True when the upstream sent no usage and the counts are estimates. */
  usage_estimated: boolean
  cost_usd: number | null
  task_key: string | null
  routed_by: RoutedBy
}

/** Usage in the shape each dialect reports it; 'responses' is the canonical Usage. */
export interface UsageByDialect {
  responses: Usage
  chat: ChatUsage
  messages: MessagesUsage
}

const count = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) && value >= 0 ? Math.round(value) : null)
const sum = (...values: (number | null)[]): number | null => (values.every((value) => value === null) ? null : values.reduce<number>((total, value) => total + (value ?? 0), 0))

export const NO_TOKENS: TokenCounts = { input_tokens: null, cached_input_tokens: null, cache_write_tokens: null, output_tokens: null, reasoning_tokens: null }

/**
 * A reported usage → the row's token fields, in the convention of TokenCounts.
 * Chat: `prompt_tokens` already includes cached ones; DeepSeek reports its cache
 * hits as `prompt_cache_hit_tokens`, Moonshot as a top-level `cached_tokens`. Messages: Anthropic's `input_tokens`
 * excludes cache reads and writes, so they are added back.
 */
export function normaliseUsage<D extends ClientDialect>(usage: UsageByDialect[D] | null | undefined, dialect: D): TokenCounts {
  if (!usage) return NO_TOKENS
  const shape = dialect as ClientDialect
  switch (shape) {
    case 'responses': {
      const reported = usage as Usage
      return {
        input_tokens: count(reported.input_tokens),
        cached_input_tokens: count(reported.input_tokens_details?.cached_tokens),
        cache_write_tokens: count(reported.input_tokens_details?.cache_write_tokens),
        output_tokens: count(reported.output_tokens),
        reasoning_tokens: count(reported.output_tokens_details?.reasoning_tokens),
      }
    }
    case 'chat': {
      const reported = usage as ChatUsage
      const output = chatOutputTokens(reported)
      return {
        input_tokens: count(reported.prompt_tokens),
        // The same places, in the same order, as mapChatUsage reads for the translated routes.
        cached_input_tokens: count(reported.prompt_tokens_details?.cached_tokens) ?? count(reported.prompt_cache_hit_tokens) ?? count(reported.cached_tokens),
        cache_write_tokens: null,
        output_tokens: count(output.output),
        reasoning_tokens: count(output.reasoning),
      }
    }
    case 'messages': {
      const reported = usage as MessagesUsage
      const read = count(reported.cache_read_input_tokens)
      const write = count(reported.cache_creation_input_tokens)
      return {
        input_tokens: count(reported.input_tokens) === null ? null : sum(count(reported.input_tokens), read, write),
        cached_input_tokens: read,
        cache_write_tokens: write,
        output_tokens: count(reported.output_tokens),
        reasoning_tokens: null,
      }
    }
    default: {
      const unknown: never = shape
      throw new Error(`normaliseUsage: unknown dialect ${String(unknown)}`)
    }
  }
}

/** The status a request's row gets when its client went away (nginx's convention). */
const CLIENT_CLOSED = 499

/** About 4 bytes of JSON/text per token: a rough figure, marked as an estimate in the row. */
export function estimateTokens(bytesIn: number, bytesOut: number): { input_tokens: number; output_tokens: number } {
  return { input_tokens: Math.ceil(Math.max(0, bytesIn) / 4), output_tokens: Math.ceil(Math.max(0, bytesOut) / 4) }
}

/** What the server knows when a request has finished; rowOf turns it into a row. */
export interface FinishedRequest {
  startedAt: number
  durationMs: number
  ttftMs: number | null
  dialect: ClientDialect
  slug: string
  provider: string
  upstreamHost: string | null
  servedModel: string | null
  status: number
  errorCode: string | null
  /** The usage the upstream reported, in the shape of `usageDialect` (default: canonical). */
  usage: Usage | ChatUsage | MessagesUsage | null | undefined
  usageDialect?: ClientDialect
  /** Request body bytes and streamed output bytes, for the estimate when no usage came. */
  bytesIn: number
  bytesOut: number
  price?: Price | null
  routedBy: RoutedBy
  /** Used only to derive the task key (hashed); never stored. */
  headers: Headers
  firstUserText?: string
}

export function rowOf(request: FinishedRequest): UsageRow {
  let tokens = normaliseUsage(request.usage as never, request.usageDialect ?? 'responses')
  // Estimate only what was probably billed: an upstream that answered, or one whose answer the
  // client left after some of it came (Codex's Esc mid-stream: the upstream billed the prompt and what
  // it had written, and reported no usage). Errors, and a client gone before any byte, keep null counts.
  const estimated = request.usage == null && (request.status < 400 || (request.status === CLIENT_CLOSED && request.bytesOut > 0))
  if (estimated) tokens = { ...NO_TOKENS, ...estimateTokens(request.bytesIn, request.bytesOut) }
  return {
    time_ms: request.startedAt,
    dialect: request.dialect,
    slug: request.slug,
    provider: request.provider,
    upstream_host: request.upstreamHost,
    served_model: request.servedModel,
    status: request.status,
    error_code: request.errorCode,
    duration_ms: request.durationMs,
    ttft_ms: request.ttftMs,
    ...tokens,
    usage_estimated: estimated,
    cost_usd: costOf(tokens, request.price),
    task_key: taskKey(request.headers, request.firstUserText),
    routed_by: request.routedBy,
  }
}
