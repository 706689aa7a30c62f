import { isShimError } from '../errors.ts'
import type { Ledger } from './ledger.ts'
import { parseSince } from './since.ts'
import { SUMMARY_BY, type SummaryBy } from './summarise.ts'

export const DEFAULT_SINCE = '30d'

const json = (body: unknown, status = 200) => Response.json(body, { status, headers: { 'cache-control': 'no-store' } })
const badRequest = (message: string, param: string) => json({ error: { type: 'invalid_request_error', message, param } }, 400)

/**
 * `GET /api/usage?since=7d&by=model|task|day[&limit=N]`: the ledger's summary
 * as JSON. Pure over the ledger; the server mounts it.
 */
export async function usageApi(ledger: Ledger, url: URL, now: number = Date.now()): Promise<Response> {
  const by = url.searchParams.get('by') ?? 'model'
  if (!(SUMMARY_BY as readonly string[]).includes(by)) return badRequest(`by expects one of ${SUMMARY_BY.join(', ')}, got "${by.slice(0, 40)}".`, 'by')
  const limitText = url.searchParams.get('limit')
  const limit = limitText === null ? undefined : Number(limitText)
  if (limit !== undefined && !(Number.isInteger(limit) && limit > 0 && limit <= 1000)) return badRequest('limit expects a whole number from 1 to 1000.', 'limit')
  let since: number
  try {
    since = parseSince(url.searchParams.get('since') ?? DEFAULT_SINCE, now)
  } catch (error) {
    if (isShimError(error)) return badRequest(error.message.replace(/^--since/, 'since'), 'since')
    throw error
  }
  const summary = await ledger.summarise({ since, by: by as SummaryBy, limit })
  return json({ enabled: ledger.enabled, ...summary, since: new Date(since).toISOString(), stats: ledger.stats() })
}
