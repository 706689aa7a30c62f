/**
 * The worker that reads the ledger for `GET /api/usage` (summary-off-thread.ts):
 * one summary per message, on its own read-only connection. A summary of a
 * busy gateway's 90 days is seconds of SQLite; here it stops no stream.
 */
import { readSummary } from './ledger.ts'
import type { SummaryQuery } from './summarise.ts'

declare const self: Worker

self.onmessage = (event: MessageEvent<{ path: string; query: SummaryQuery }>) => {
  try {
    self.postMessage({ summary: readSummary(event.data.path, event.data.query) })
  } catch (error) {
    self.postMessage({ error: error instanceof Error ? error.message : String(error) })
  }
}
