/**
 * An upstream that answers an error status, sends its headers and part of its error page, then
 * goes silent: the client must get an error in its dialect within the idle timeout, not a hang.
 */
import { afterAll, expect, test } from 'bun:test'
import { settingsFrom, startShim } from '../support/shim.ts'

const IDLE_MS = 300
const upstream = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  idleTimeout: 0,
  fetch() {
    // A 500 whose body starts and never ends.
    const body = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('{"error":{"message":"upstream '))
      },
    })
    return new Response(body, { status: 500, headers: { 'content-type': 'application/json' } })
  },
})
const base = `http://127.0.0.1:${upstream.port}/v1`
const shim = startShim(
  settingsFrom([
    { slug: 'chat', model: 'm', provider: 'generic-chat-completion-api', base_url: base, api_key: 'sk-test-key-123456' },
    { slug: 'claude', model: 'claude-x', provider: 'anthropic', base_url: base, api_key: 'sk-test-key-123456' },
  ]),
  { idleTimeoutMs: IDLE_MS, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } },
)
afterAll(() => {
  shim.close()
  upstream.stop(true)
})

async function within(ms: number, response: Promise<Response>): Promise<Response | 'hung'> {
  return Promise.race([response, Bun.sleep(ms).then(() => 'hung' as const)])
}

const cases: [string, string, Record<string, unknown>][] = [
  ['chat fast path', '/v1/chat/completions', { model: 'chat', stream: true, messages: [{ role: 'user', content: 'hi' }] }],
  ['chat fast path, stream:false', '/v1/chat/completions', { model: 'chat', messages: [{ role: 'user', content: 'hi' }] }],
  ['responses → chat (translated)', '/v1/responses', { model: 'chat', stream: true, input: 'hi', store: false }],
  ['messages fast path', '/v1/messages', { model: 'claude', stream: true, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }],
]

for (const [name, path, body] of cases) {
  test(`stalled error body: ${name} ends with an error status within the idle timeout`, async () => {
    const controller = new AbortController()
    const answer = await within(IDLE_MS * 6, fetch(`${shim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: controller.signal }))
    controller.abort()
    expect(answer).not.toBe('hung')
    expect((answer as Response).status).toBeGreaterThanOrEqual(500)
  })
}
