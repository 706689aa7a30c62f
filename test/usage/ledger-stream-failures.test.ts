/**
 * Streams that fail after their 200, through the full handler into a real ledger: the row and the log
 * line say the request failed, with the status the client got (an audit found fast-path failures
 * recorded as plain successes, and translated streams that failed in their first chunk with status 0).
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { openLedger } from '../../src/usage/ledger.ts'
import { startFaultUpstream, type Fault } from '../fakes/fault-upstream.ts'
import { memoryLog, settingsFrom, startShim } from '../support/shim.ts'
import { freshDir, storedRows } from './_support.ts'

const upstream = startFaultUpstream()
const path = join(freshDir('stream-failures'), 'usage.db')
const ledger = openLedger({ path, flushMs: 60_000 })
const { logger, lines } = memoryLog()
const shim = startShim(
  settingsFrom([
    { slug: 'chatm', model: 'chat-x', provider: 'generic-chat-completion-api', base_url: upstream.base },
    { slug: 'claude', model: 'claude-x', provider: 'anthropic', base_url: upstream.base },
  ]),
  { ledger, log: logger, idleTimeoutMs: 200, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
)
afterAll(() => {
  shim.close()
  ledger.close()
  upstream.close()
})

const DOORS = {
  chat: { path: '/v1/chat/completions', body: (model: string) => ({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }) },
  messages: { path: '/v1/messages', body: (model: string) => ({ model, stream: true, max_tokens: 100, messages: [{ role: 'user', content: 'hi' }] }) },
  responses: { path: '/v1/responses', body: (model: string) => ({ model, stream: true, input: 'hi', store: false }) },
} as const

/** One streamed request against `fault`: the client's status, then the row and log line it left. */
async function ask(door: keyof typeof DOORS, model: string, fault: Fault) {
  upstream.fault = fault
  const before = storedRows(path).length
  const response = await fetch(shim.url + DOORS[door].path, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify(DOORS[door].body(model)) })
  await response.text()
  for (let i = 0; i < 100 && (await ledger.flushed(), storedRows(path).length) === before; i++) await Bun.sleep(10)
  const row = storedRows(path).at(-1)!
  return { status: response.status, row: { status: row.status, error_code: row.error_code }, line: lines.filter((line) => line.includes(`POST ${DOORS[door].path}`)).at(-1)! }
}

describe('a fast path that fails after its 200', () => {
  test.each([
    ['chat', 'chatm', 'error-event', 'server_error'],
    ['chat', 'chatm', 'close-mid-stream', 'server_error'],
    ['chat', 'chatm', 'silent-mid-stream', 'timeout'],
    ['messages', 'claude', 'error-event', 'overloaded_error'],
    ['messages', 'claude', 'close-mid-stream', 'server_error'],
    ['messages', 'claude', 'silent-mid-stream', 'timeout'],
  ] as const)('%s on %s, %s: the row carries the error code, the line names it', async (door, model, kind, code) => {
    const { status, row, line } = await ask(door, model, { kind })
    expect(status).toBe(200)
    expect(row).toEqual({ status: 200, error_code: code })
    expect(line).toContain(`error=${code}`)
  })

  test('a fast path that finishes is a plain success', async () => {
    expect((await ask('chat', 'chatm', { kind: 'ok' })).row).toEqual({ status: 200, error_code: null })
  })
})

describe('a translated stream that fails in its first upstream chunk', () => {
  test.each([
    ['chat', 'claude'],
    ['messages', 'chatm'],
    ['responses', 'claude'],
  ] as const)('%s on %s: the row has the status the client got, 200, and the error code', async (door, model) => {
    const { status, row, line } = await ask(door, model, { kind: 'error-event' })
    expect(status).toBe(200)
    expect(row).toEqual({ status: 200, error_code: 'server_error' })
    expect(line).toContain('status=200')
  })
})

describe('the time to the first token', () => {
  const ttftOf = async (door: keyof typeof DOORS, model: string, fault: Fault) => (await ask(door, model, fault), storedRows(path).at(-1)!.ttft_ms)

  test.each([
    ['chat', 'chatm'],
    ['messages', 'claude'],
  ] as const)('%s on %s: an error status before any byte has none; an answer has one', async (door, model) => {
    expect(await ttftOf(door, model, { kind: 'status', status: 500 })).toBeNull()
    expect(await ttftOf(door, model, { kind: 'ok' })).toBeNumber()
  })
})
