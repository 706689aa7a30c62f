import type { Database } from 'bun:sqlite'

export type SummaryBy = 'model' | 'task' | 'day'
export const SUMMARY_BY = ['model', 'task', 'day'] as const satisfies readonly SummaryBy[]

export interface SummaryQuery {
  /** ms since the epoch; rows that started before are left out. */
  since: number
  by: SummaryBy
  /** Tasks only: how many of the most recent. */
  limit?: number
}

interface Tokens {
  input_tokens: number
  cached_input_tokens: number
  output_tokens: number
  reasoning_tokens: number
  /** Sum over rows; null when no row had a price. */
  cost_usd: number | null
}

export interface ModelSummary extends Tokens {
  model: string
  provider: string
  requests: number
  /** Requests that failed: an error status, or an error code (a stream that failed after its 200). */
  errors: number
  /** Rows whose counts are estimates (no usage from the upstream). */
  estimated: number
  /** cached / input; null when no input was counted. */
  cache_hit_ratio: number | null
  median_ttft_ms: number | null
}

export interface TaskSummary extends Tokens {
  task_key: string
  started_at: number
  ended_at: number
  /** First start to last end. */
  wall_ms: number
  requests: number
  /** Requests that failed: an error status, or an error code (a stream that failed after its 200). */
  errors: number
  models: string[]
}

export interface DaySummary extends Tokens {
  /** Local date, YYYY-MM-DD. */
  day: string
  model: string
  provider: string
  requests: number
}

export type Summary =
  | { by: 'model'; since: number; rows: ModelSummary[] }
  | { by: 'task'; since: number; rows: TaskSummary[] }
  | { by: 'day'; since: number; rows: DaySummary[] }

// The model that served when known, else the slug the client asked for.
const MODEL = 'coalesce(served_model, slug)'
// A request failed by its status or by its error code: a stream that ended in an error event has status 200.
const FAILED = 'sum(status >= 400 OR error_code IS NOT NULL)'
const TOKENS = `coalesce(sum(input_tokens), 0) AS input_tokens,
  coalesce(sum(cached_input_tokens), 0) AS cached_input_tokens,
  coalesce(sum(output_tokens), 0) AS output_tokens,
  coalesce(sum(reasoning_tokens), 0) AS reasoning_tokens,
  sum(cost_usd) AS cost_usd`

export function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null
  const middle = sorted.length >> 1
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

function byModel(db: Database, since: number): ModelSummary[] {
  const rows = db
    .query(
      `SELECT ${MODEL} AS model, provider, count(*) AS requests,
        ${FAILED} AS errors, sum(usage_estimated) AS estimated, ${TOKENS}
       FROM requests WHERE time_ms >= ? GROUP BY 1, 2 ORDER BY requests DESC, model`,
    )
    .all(since) as Omit<ModelSummary, 'cache_hit_ratio' | 'median_ttft_ms'>[]
  const ttfts = new Map<string, number[]>()
  // Row by row, not `all()`: every row object at once (150,000 in a 30-day window: RSS +35 MiB) was
  // the summary's largest cost in memory; row by row, each is garbage as soon as its number is in its
  // model's array (RSS +26 MiB, as fast). The SQL alternative, a window function, held +5 MiB but
  // took twice as long.
  const timings = db.query(`SELECT ${MODEL} AS model, provider, ttft_ms FROM requests WHERE time_ms >= ? AND ttft_ms IS NOT NULL ORDER BY ttft_ms`).iterate(since) as IterableIterator<{ model: string; provider: string; ttft_ms: number }>
  for (const timing of timings) {
    const key = `${timing.model}\n${timing.provider}`
    const list = ttfts.get(key)
    if (list) list.push(timing.ttft_ms)
    else ttfts.set(key, [timing.ttft_ms])
  }
  return rows.map((row) => ({
    ...row,
    cache_hit_ratio: row.input_tokens > 0 ? row.cached_input_tokens / row.input_tokens : null,
    median_ttft_ms: median(ttfts.get(`${row.model}\n${row.provider}`) ?? []),
  }))
}

function byTask(db: Database, since: number, limit: number): TaskSummary[] {
  const rows = db
    .query(
      `SELECT task_key, min(time_ms) AS started_at, max(time_ms + duration_ms) AS ended_at,
        count(*) AS requests, ${FAILED} AS errors, group_concat(DISTINCT ${MODEL}) AS models, ${TOKENS}
       FROM requests WHERE time_ms >= ? AND task_key IS NOT NULL
       GROUP BY task_key ORDER BY ended_at DESC LIMIT ?`,
    )
    .all(since, limit) as (Omit<TaskSummary, 'models' | 'wall_ms'> & { models: string })[]
  return rows.map((row) => ({ ...row, wall_ms: row.ended_at - row.started_at, models: row.models.split(',') }))
}

function byDay(db: Database, since: number): DaySummary[] {
  return db
    .query(
      `SELECT date(time_ms / 1000, 'unixepoch', 'localtime') AS day, ${MODEL} AS model, provider, count(*) AS requests, ${TOKENS}
       FROM requests WHERE time_ms >= ? GROUP BY 1, 2, 3 ORDER BY day DESC, requests DESC`,
    )
    .all(since) as DaySummary[]
}

/** The figures `codex-shim usage` and `GET /api/usage` show. */
export function summarise(db: Database, query: SummaryQuery): Summary {
  switch (query.by) {
    case 'model':
      return { by: 'model', since: query.since, rows: byModel(db, query.since) }
    case 'task':
      return { by: 'task', since: query.since, rows: byTask(db, query.since, query.limit ?? 20) }
    case 'day':
      return { by: 'day', since: query.since, rows: byDay(db, query.since) }
    default: {
      const unknown: never = query.by
      throw new Error(`summarise: unknown grouping ${String(unknown)}`)
    }
  }
}

/** The same summary with nothing in it (ledger off, no database yet). */
export function emptySummary(query: SummaryQuery): Summary {
  return { by: query.by, since: query.since, rows: [] } as Summary
}
