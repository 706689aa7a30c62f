/**
 * Codex on the ChatGPT passthrough gets the backend's bytes untouched, other clients a decoded stream:
 * either way an answer that fails after its 200 is recorded as failed, with no time to a first token.
 */
import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { createHandler } from '../../src/server/app.ts'
import { openLedger } from '../../src/usage/ledger.ts'
import { makeJwt, nowS, startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'
import { freshDir, storedRows } from './_support.ts'

const fake = startFakeChatgpt()
process.env.CODEX_SHIM_CHATGPT_BASE_URL = fake.base
const path = join(freshDir('chatgpt-failures'), 'usage.db')
const ledger = openLedger({ path, flushMs: 60_000 })
afterAll(() => {
  ledger.close()
  fake.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
})

test.each([
  ['Codex (its bytes untouched)', { originator: 'codex_exec', 'user-agent': 'codex_exec/0.169.0' }],
  ['another Responses client (decoded)', { 'user-agent': 'OpenAI/JS 5.0.0' }],
])('%s: an error event that ends the answer is recorded with its code, the status the client got', async (_client, headers) => {
  fake.validAccess = makeJwt({ exp: nowS() + 3600, n: 'fresh' })
  writeAuth(join(process.env.CODEX_HOME!, 'auth.json'), { access: fake.validAccess, refresh: 'rt-1' })
  fake.respond = () => ({
    kind: 'events',
    events: [
      { type: 'response.created', response: { id: 'resp_f1', status: 'in_progress', output: [] } },
      { type: 'error', code: 'context_length_exceeded', message: 'Your input exceeds the context window of this model.' },
    ],
  })
  const handle = createHandler(testDeps(settingsFrom([]), { chatgpt: new ChatgptService(), ledger }))
  const before = storedRows(path).length
  const response = await handle(post('/v1/responses', { model: 'gpt-5.5', stream: true, store: false, input: 'hi' }, headers))
  expect(response.status).toBe(200)
  expect(await response.text()).toContain('response.failed')
  for (let i = 0; i < 100 && (await ledger.flushed(), storedRows(path).length) === before; i++) await Bun.sleep(10)
  const row = storedRows(path).at(-1)!
  expect({ status: row.status, error_code: row.error_code, ttft_ms: row.ttft_ms }).toEqual({ status: 200, error_code: 'context_length_exceeded', ttft_ms: null })
})
