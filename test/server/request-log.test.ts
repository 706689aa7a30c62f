/**
 * BodyTracker, the end of every request: one summary, told once, with the status the client got and
 * the time to the answer's first token (never to an error's first byte).
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

test('an error\'s body is no first token; a wrapped answer\'s first bytes are', async () => {
  const failed = tracked()
  await failed.tracker.finish(Response.json({ error: { message: 'boom' } }, { status: 500 })).text()
  expect(failed.told.map((summary) => [summary.status, summary.firstByteAt])).toEqual([[500, undefined]])
  const answered = tracked()
  await answered.tracker.finish(new Response('data: {}\n\n', { status: 200 })).text()
  expect(answered.told[0]!.firstByteAt).toBeNumber()
})

test('a producer that tells its first token: bytes before it do not start the clock, bytes after it do not move it', async () => {
  const { summary, tracker } = tracked()
  tracker.chunk(5, false)
  expect(summary.firstByteAt).toBeUndefined()
  tracker.chunk(5, true)
  const first = summary.firstByteAt
  expect(first).toBeNumber()
  await Bun.sleep(2)
  tracker.chunk(5, false)
  tracker.chunk(5, true)
  expect(summary.firstByteAt).toBe(first!)
})
