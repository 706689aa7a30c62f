/**
 * BodyTracker, the end of every request: one summary, told once, with the status the client got.
 */
import { expect, test } from 'bun:test'
import { BodyTracker, type RequestSummary } from '../../src/server/request-log.ts'

function tracked(stream = true) {
  const told: RequestSummary[] = []
  const summary: RequestSummary = { method: 'POST', path: '/v1/chat/completions', stream, startedAt: performance.now(), startedAtMs: Date.now() }
  return { told, summary, tracker: new BodyTracker(summary, (done) => told.push({ ...done })) }
}

test('a stream that ends before its response is handed over is told once, then, with that response\'s status', () => {
  const { told, tracker } = tracked()
  tracker.chunk(10)
  tracker.end()
  expect(told).toEqual([])
  tracker.finish(new Response('already sent', { status: 200 }))
  expect(told.map((summary) => [summary.status, summary.bytesOut])).toEqual([[200, 10]])
  tracker.end()
  expect(told.length).toBe(1)
})
