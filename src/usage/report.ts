import type { DaySummary, ModelSummary, Summary, TaskSummary } from './summarise.ts'

type Cell = string | number | null
interface Column<Row> {
  title: string
  /** CSV header: the JSON field name. */
  field: string
  text: (row: Row) => string
  csv: (row: Row) => Cell
  right?: boolean
}

const tokens = (value: number) => value.toLocaleString('en-US')
const percent = (ratio: number | null) => (ratio === null ? '-' : `${(ratio * 100).toFixed(1)}%`)
const cost = (usd: number | null) => (usd === null ? '-' : `$${usd >= 1 ? usd.toFixed(2) : usd.toFixed(4)}`)
export function duration(ms: number | null): string {
  if (ms === null) return '-'
  // Rounded to what the unit shows before the unit is chosen: 119.6 s is "2m 0s", not "1m 60s".
  if (Math.round(ms) < 1000) return `${Math.round(ms)} ms`
  const tenths = Math.round(ms / 100)
  if (tenths < 600) return `${(tenths / 10).toFixed(1)} s`
  const seconds = Math.round(ms / 1000)
  const minutes = Math.floor(seconds / 60)
  return minutes < 60 ? `${minutes}m ${seconds % 60}s` : `${Math.floor(minutes / 60)}h ${minutes % 60}m`
}
const localTime = (ms: number) => new Date(ms).toLocaleString()

function count<Row>(title: string, field: keyof Row & string): Column<Row> {
  return { title, field, right: true, text: (row) => tokens(row[field] as number), csv: (row) => row[field] as number }
}
function costColumn<Row extends { cost_usd: number | null }>(): Column<Row> {
  return { title: 'COST', field: 'cost_usd', right: true, text: (row) => cost(row.cost_usd), csv: (row) => row.cost_usd }
}

const MODEL_COLUMNS: Column<ModelSummary>[] = [
  { title: 'MODEL', field: 'model', text: (row) => row.model, csv: (row) => row.model },
  { title: 'PROVIDER', field: 'provider', text: (row) => row.provider, csv: (row) => row.provider },
  count('REQUESTS', 'requests'),
  count('ERRORS', 'errors'),
  count('INPUT', 'input_tokens'),
  count('CACHED', 'cached_input_tokens'),
  count('OUTPUT', 'output_tokens'),
  count('REASONING', 'reasoning_tokens'),
  { title: 'CACHE HIT', field: 'cache_hit_ratio', right: true, text: (row) => percent(row.cache_hit_ratio), csv: (row) => row.cache_hit_ratio },
  { title: 'TTFT P50', field: 'median_ttft_ms', right: true, text: (row) => duration(row.median_ttft_ms), csv: (row) => row.median_ttft_ms },
  costColumn(),
]

const TASK_COLUMNS: Column<TaskSummary>[] = [
  { title: 'TASK', field: 'task_key', text: (row) => row.task_key.slice(0, 8), csv: (row) => row.task_key },
  { title: 'STARTED', field: 'started_at', text: (row) => localTime(row.started_at), csv: (row) => new Date(row.started_at).toISOString() },
  count('REQUESTS', 'requests'),
  count('ERRORS', 'errors'),
  count('INPUT', 'input_tokens'),
  count('CACHED', 'cached_input_tokens'),
  count('OUTPUT', 'output_tokens'),
  costColumn(),
  { title: 'WALL', field: 'wall_ms', right: true, text: (row) => duration(row.wall_ms), csv: (row) => row.wall_ms },
  { title: 'MODELS', field: 'models', text: (row) => row.models.join(', '), csv: (row) => row.models.join(';') },
]

const DAY_COLUMNS: Column<DaySummary>[] = [
  { title: 'DAY', field: 'day', text: (row) => row.day, csv: (row) => row.day },
  { title: 'MODEL', field: 'model', text: (row) => row.model, csv: (row) => row.model },
  { title: 'PROVIDER', field: 'provider', text: (row) => row.provider, csv: (row) => row.provider },
  count('REQUESTS', 'requests'),
  count('INPUT', 'input_tokens'),
  count('CACHED', 'cached_input_tokens'),
  count('OUTPUT', 'output_tokens'),
  costColumn(),
]

function table<Row>(columns: Column<Row>[], rows: Row[]): string {
  const cells = [columns.map((column) => column.title), ...rows.map((row) => columns.map((column) => column.text(row)))]
  const widths = columns.map((_, index) => Math.max(...cells.map((line) => line[index]!.length)))
  return cells
    .map((line) => line.map((cell, index) => (columns[index]!.right ? cell.padStart(widths[index]!) : cell.padEnd(widths[index]!))).join('  ').trimEnd())
    .join('\n')
}

function csvCell(value: Cell): string {
  if (value === null) return ''
  const text = String(value)
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

function csv<Row>(columns: Column<Row>[], rows: Row[]): string {
  return [columns.map((column) => column.field), ...rows.map((row) => columns.map((column) => csvCell(column.csv(row))))].map((line) => line.join(',')).join('\n')
}

/** One grouping's rows through a renderer, with that grouping's columns. */
function render(summary: Summary, renderer: <Row>(columns: Column<Row>[], rows: Row[]) => string): string {
  switch (summary.by) {
    case 'model':
      return renderer(MODEL_COLUMNS, summary.rows)
    case 'task':
      return renderer(TASK_COLUMNS, summary.rows)
    case 'day':
      return renderer(DAY_COLUMNS, summary.rows)
    default: {
      const unknown: never = summary
      throw new Error(`usage report: unknown grouping ${String(unknown)}`)
    }
  }
}

/** The summary as an aligned plain-text table (no colour: it is read in pipes and logs too). */
export function summaryTable(summary: Summary): string {
  return render(summary, table)
}

/** The same figures as CSV, with the JSON field names as headers. */
export function summaryCsv(summary: Summary): string {
  return render(summary, csv)
}
