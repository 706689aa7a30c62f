import { ShimError } from '../errors.ts'

/** No ledger row is older than this (1970): anything further back is a mistake, not a wish. */
const EARLIEST = 0

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 } as const satisfies Record<string, number>

/** Whether year-month-day names a real calendar day (Date rolls Feb 30 over to Mar 2 without a word). */
function isCalendarDay(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/**
 * `--since`: `30m`, `1h`, `7d`, `2w`, `today` (local midnight), `yesterday`,
 * or an ISO date (`2026-05-01`, local midnight) or date-time. Returns ms since the epoch.
 */
export function parseSince(text: string, now: number = Date.now()): number {
  // Case is ignored (7D, 1H) except for M: "1M" reads as a month to many, and lower-cased it was one minute.
  if (/^\s*\d+\s*M\s*$/.test(text)) throw new ShimError('bad_request', `--since "${text.trim().slice(0, 40)}": m is minutes; for months use days, such as 30d or 90d.`, { param: 'since' })
  const value = text.trim().toLowerCase()
  const relative = /^(\d+)\s*([mhdw])$/.exec(value)
  if (relative) {
    const since = now - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS]
    // 999999999d reaches past the first date a Date can hold: every report then failed on "Invalid Date".
    if (!Number.isFinite(since) || since < EARLIEST) throw new ShimError('bad_request', `--since reaches back too far ("${text.slice(0, 40)}"); the ledger starts with codex-shim: try 30d or a date such as 2026-01-01.`, { param: 'since' })
    return since
  }
  if (value === 'today' || value === 'yesterday') {
    const midnight = new Date(now)
    midnight.setHours(0, 0, 0, 0)
    if (value === 'yesterday') midnight.setDate(midnight.getDate() - 1)
    return midnight.getTime()
  }
  const date = /^(\d{4})-(\d{2})-(\d{2})(t.*)?$/.exec(value)
  if (date && isCalendarDay(Number(date[1]), Number(date[2]), Number(date[3]))) {
    if (!date[4]) return new Date(Number(date[1]), Number(date[2]) - 1, Number(date[3])).getTime()
    const instant = Date.parse(text.trim())
    if (!Number.isNaN(instant)) return instant
  }
  throw new ShimError('bad_request', `--since expects 30m, 1h, 7d, 2w, today, yesterday or an ISO date like 2026-05-01, got "${text.slice(0, 40)}".`, { param: 'since' })
}
