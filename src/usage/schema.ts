import type { Database } from 'bun:sqlite'
import type { UsageRow } from './row.ts'

/** Bumped when the table changes; a migration then runs from the old value. */
export const SCHEMA_VERSION = 1

export const COLUMNS = [
  'time_ms',
  'dialect',
  'slug',
  'provider',
  'upstream_host',
  'served_model',
  'status',
  'error_code',
  'duration_ms',
  'ttft_ms',
  'input_tokens',
  'cached_input_tokens',
  'cache_write_tokens',
  'output_tokens',
  'reasoning_tokens',
  'usage_estimated',
  'cost_usd',
  'task_key',
  'routed_by',
] as const satisfies readonly (keyof UsageRow)[]

export function createSchema(db: Database): void {
  db.exec(`CREATE TABLE IF NOT EXISTS requests (
    id INTEGER PRIMARY KEY,
    time_ms INTEGER NOT NULL,
    dialect TEXT NOT NULL,
    slug TEXT NOT NULL,
    provider TEXT NOT NULL,
    upstream_host TEXT,
    served_model TEXT,
    status INTEGER NOT NULL,
    error_code TEXT,
    duration_ms INTEGER NOT NULL,
    ttft_ms INTEGER,
    input_tokens INTEGER,
    cached_input_tokens INTEGER,
    cache_write_tokens INTEGER,
    output_tokens INTEGER,
    reasoning_tokens INTEGER,
    usage_estimated INTEGER NOT NULL DEFAULT 0,
    cost_usd REAL,
    task_key TEXT,
    routed_by TEXT
  )`)
  db.exec('CREATE INDEX IF NOT EXISTS requests_time ON requests (time_ms)')
  db.exec('CREATE INDEX IF NOT EXISTS requests_task ON requests (task_key, time_ms)')
  // A write: only when it changes, so opening beside another writer needs no write lock.
  const { user_version } = db.query('PRAGMA user_version').get() as { user_version: number }
  if (user_version < SCHEMA_VERSION) db.exec(`PRAGMA user_version = ${SCHEMA_VERSION}`)
}

export const INSERT_SQL = `INSERT INTO requests (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`

type Bound = string | number | null

const integer = (value: unknown): number | null => (typeof value === 'number' && Number.isFinite(value) ? Math.round(value) : null)
const text = (value: unknown, max = 200): string | null => (typeof value === 'string' ? value.slice(0, max) : null)

/**
 * A row as statement parameters. Sanitised here, at flush time and off the
 * request path, so a malformed row can never fail the batch it is in.
 */
export function toParams(row: UsageRow): Bound[] {
  return [
    integer(row.time_ms) ?? Date.now(),
    text(row.dialect) ?? 'responses',
    text(row.slug) ?? '',
    text(row.provider) ?? '',
    text(row.upstream_host),
    text(row.served_model),
    integer(row.status) ?? 0,
    text(row.error_code),
    Math.max(0, integer(row.duration_ms) ?? 0),
    integer(row.ttft_ms),
    integer(row.input_tokens),
    integer(row.cached_input_tokens),
    integer(row.cache_write_tokens),
    integer(row.output_tokens),
    integer(row.reasoning_tokens),
    row.usage_estimated ? 1 : 0,
    typeof row.cost_usd === 'number' && Number.isFinite(row.cost_usd) ? row.cost_usd : null,
    text(row.task_key, 64),
    row.routed_by === 'router' || row.routed_by === 'fallback' ? row.routed_by : null,
  ]
}

/** A stored row back as a UsageRow (for tests and exports). */
export function fromRecord(record: Record<string, unknown>): UsageRow {
  const row = Object.fromEntries(COLUMNS.map((column) => [column, record[column] ?? null])) as unknown as UsageRow
  row.usage_estimated = record.usage_estimated === 1
  return row
}
