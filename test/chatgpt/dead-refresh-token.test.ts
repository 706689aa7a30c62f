import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { makeJwt, nowS, startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'

// A refresh token the endpoint refused for good is not redeemed again: each turn after it (and the
// model list) would only ask for the same refusal.

const fake = startFakeChatgpt()
process.env.CODEX_SHIM_CHATGPT_BASE_URL = fake.base
process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE = fake.tokenUrl
const authPath = join(process.env.CODEX_HOME!, 'auth.json')
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))
afterAll(() => {
  fake.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
  delete process.env.CODEX_REFRESH_TOKEN_URL_OVERRIDE
})
beforeEach(() => {
  fake.failRefresh = null
})

describe('a login refused for good', () => {
  test('a refresh token refused for good is redeemed once: not again by the model list, nor by each turn after', async () => {
    writeAuth(authPath, { access: makeJwt({ exp: nowS() - 600 }), refresh: `rt-dead-${crypto.randomUUID()}` })
    await nextTurn()
    fake.failRefresh = { mode: 'permanent', times: 5 }
    let redeemed = 0
    const service = new ChatgptService({
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        if (String(input) === fake.tokenUrl) redeemed++
        return fetch(input, init)
      }) as typeof fetch,
    })
    await service.catalog.models()
    const context = { signal: new AbortController().signal, idleTimeoutMs: 0, clientHeaders: new Headers(), retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } }
    for (let turn = 0; turn < 2; turn++) {
      const failure = (await service.send('{}', context as never).catch((error: Error) => error)) as Error
      expect(failure.message).toContain('codex login')
    }
    expect(redeemed).toBe(1)
  })
})
