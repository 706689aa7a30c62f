import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { get, post, settingsFrom, testDeps } from '../support/shim.ts'

// An upstream whose error body quotes the request's headers (the case src/upstream/redact-sent.ts exists for).
const KEY = 'sk-review-secret-key-0123456789'
const up = Bun.serve({
  hostname: '127.0.0.1', port: 0, idleTimeout: 0,
  fetch: (req) => Response.json({ error: { message: `Invalid header: authorization=${req.headers.get('authorization')}`, type: 'invalid_request_error', param: 'limit', code: null } }, { status: 400 }),
})
afterAll(() => up.stop(true))
const handle = createHandler(testDeps(settingsFrom([{ slug: 'stateful', model: 'r', provider: 'openai-responses', base_url: `http://127.0.0.1:${up.port}/v1`, api_key: KEY }])))

test('baseline: the fast path scrubs our key from the upstream 400 it passes on', async () => {
  const text = await (await handle(post('/v1/responses', { model: 'stateful', input: 'hi' }))).text()
  expect(text).toContain('[redacted]')
  expect(text).not.toContain(KEY)
})

for (const path of ['/v1/responses/resp_abc', '/v1/responses/resp_abc/input_items?limit=5', '/v1/responses/resp_abc?stream=true']) {
  test(`a forwarded ${path} does not hand our upstream key to the client`, async () => {
    const response = await handle(get(path))
    expect(response.status).toBe(400)
    expect(await response.text()).not.toContain(KEY)
  })
}
