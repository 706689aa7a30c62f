/**
 * An upstream's 401/403/404 before the stream reaches a Messages client with Anthropic's own
 * error type for that status (authentication_error, permission_error, not_found_error), not
 * invalid_request_error: clients tell a bad key from a bad request by it.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, expect, test } from 'bun:test'
import { startFakeChatUpstream } from '../../fakes/chat-upstream.ts'
import { chatModel, settingsFrom, startShim } from '../../support/shim.ts'

let status = 401
const chatUp = startFakeChatUpstream(() => ({ kind: 'error', status, body: { error: { message: `upstream said ${status}`, type: 'invalid_request_error', code: null } } }))
const shim = startShim(settingsFrom([chatModel(chatUp.url)]))
const client = new Anthropic({ baseURL: shim.url, apiKey: 'x', maxRetries: 0 })
afterAll(() => { shim.close(); chatUp.close() })

test.each([[401, 'authentication_error'], [403, 'permission_error'], [404, 'not_found_error']] as const)('upstream %i → %s', async (code, type) => {
  status = code
  const error = await client.messages.create({ model: 'fake', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e)
  expect(error.status).toBe(code)
  expect(error.error?.error?.type).toBe(type)
})
