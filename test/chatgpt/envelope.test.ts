/**
 * The ChatGPT passthrough with Codex's usual request (`store: false`, its
 * whole context): only the envelope is checked, the backend judges the items.
 * A request that asks anything of the response store is validated whole.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { parseResponsesEnvelope, parseResponsesRequest } from '../../src/dialects/responses/api.ts'
import { touchesStore } from '../../src/responses-store/store.ts'
import { createHandler } from '../../src/server/app.ts'
import { backendEvents, makeJwt, nowS, startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'
import { messageThrownBy } from '../support/errors.ts'

const fake = startFakeChatgpt()
process.env.CODEX_SHIM_CHATGPT_BASE_URL = fake.base
process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE = fake.tokenUrl
afterAll(() => {
  fake.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
  delete process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE
})
fake.validAccess = makeJwt({ exp: nowS() + 3600 })
writeAuth(join(process.env.CODEX_HOME!, 'auth.json'), { access: fake.validAccess, refresh: 'rt-envelope' })
fake.respond = () => ({ kind: 'events', events: backendEvents('ok') })
const handle = createHandler(testDeps(settingsFrom([]), { chatgpt: new ChatgptService() }))
const codex = { originator: 'codex_exec', 'user-agent': 'codex_exec/0.169.0' }
const withItem = (item: unknown, extra: Record<string, unknown> = {}) => ({ model: 'gpt-5.5', stream: true, store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }, item], ...extra })

describe('Responses → ChatGPT passthrough: the envelope, not the whole body', () => {
  test('a stateless request with an item the backend refuses reaches it, and its 400 comes back with the backend’s words', async () => {
    const before = fake.requests.length
    const response = await handle(post('/v1/responses', withItem(null), codex))
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { message: string } }).error.message).toBe("The ChatGPT backend returned HTTP 400: Invalid 'input[1]': expected an object with a string 'type'.")
    expect(fake.requests.length).toBe(before + 1)
  })

  test('a request that asks to be stored is validated whole first: the proxy’s 400 names the item, nothing is sent', async () => {
    const before = fake.requests.length
    const { store: _store, ...stored } = withItem(null)
    const response = await handle(post('/v1/responses', stored, codex))
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { message: string } }).error.message).toStartWith('Invalid request: input[1]')
    expect(fake.requests.length).toBe(before)
  })

  test('a good stateless request streams as before', async () => {
    const response = await handle(post('/v1/responses', withItem({ type: 'message', role: 'user', content: 'again' }), codex))
    expect(response.status).toBe(200)
    expect(await response.text()).toContain('ok')
  })
})

describe('what decides it', () => {
  test('touchesStore: stored by default, an earlier response, a reference, a conversation', () => {
    expect(touchesStore({ store: false, input: [{ type: 'message' }] })).toBe(false)
    expect(touchesStore({ store: false, input: 'hi', previous_response_id: null })).toBe(false)
    expect(touchesStore({ store: false, input: [null, 3, { type: 'function_call_output' }] })).toBe(false)
    expect(touchesStore({ input: 'hi' })).toBe(true)
    expect(touchesStore({ store: true })).toBe(true)
    expect(touchesStore({ store: 'false' })).toBe(true)
    expect(touchesStore({ store: false, previous_response_id: 'resp_1' })).toBe(true)
    expect(touchesStore({ store: false, input: [{ type: 'item_reference', id: 'msg_1' }] })).toBe(true)
    expect(touchesStore({ store: false, conversation: 'conv_1' })).toBe(true)
  })

  test('the envelope refuses model, input, stream, store and previous_response_id with the whole schema’s words', () => {
    const bodies: unknown[] = [null, [], {}, { model: 5 }, { model: '' }, { model: 'm', input: 4 }, { model: 'm', stream: 'yes' }, { model: 'm', store: 'no' }, { model: 'm', previous_response_id: 9 }]
    for (const body of bodies) {
      const whole = messageThrownBy(() => parseResponsesRequest(body))
      expect(whole).not.toBeNull()
      expect(messageThrownBy(() => parseResponsesEnvelope(body))).toBe(whole)
    }
    expect(parseResponsesEnvelope({ model: 'm', input: [null], stream: true })).toEqual({ model: 'm', stream: true })
  })
})
