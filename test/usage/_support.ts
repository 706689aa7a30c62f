import { Database } from 'bun:sqlite'
import { createConsola, type ConsolaInstance } from 'consola'
import { mkdirSync } from 'node:fs'
import { join } from 'node:path'
import type { UsageRow } from '../../src/usage/row.ts'
import { fromRecord } from '../../src/usage/schema.ts'

let n = 0
/** A fresh directory for one test's usage.db. */
export function freshDir(name: string): string {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, `usage-${name}-${++n}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

export function makeRow(overrides: Partial<UsageRow> = {}): UsageRow {
  return {
    time_ms: Date.now(),
    dialect: 'responses',
    slug: 'deepseek-chat',
    provider: 'deepseek',
    upstream_host: 'api.deepseek.com',
    served_model: 'deepseek-chat',
    status: 200,
    error_code: null,
    duration_ms: 1200,
    ttft_ms: 300,
    input_tokens: 1000,
    cached_input_tokens: 600,
    cache_write_tokens: null,
    output_tokens: 50,
    reasoning_tokens: 10,
    usage_estimated: false,
    cost_usd: 0.0002,
    task_key: 'task-a',
    routed_by: null,
    ...overrides,
  }
}

/** What the file holds, read through a separate connection. */
export function storedRows(path: string): UsageRow[] {
  const db = new Database(path, { readonly: true })
  try {
    return (db.query('SELECT * FROM requests ORDER BY id').all() as Record<string, unknown>[]).map(fromRecord)
  } finally {
    db.close()
  }
}

/** A logger whose lines the test can read. */
export function captureLogger(): { logger: ConsolaInstance; lines: string[] } {
  const lines: string[] = []
  const logger = createConsola({ level: 5, reporters: [{ log: (entry) => lines.push(`${entry.type} ${entry.args.map(String).join(' ')}`) }] })
  return { logger, lines }
}
