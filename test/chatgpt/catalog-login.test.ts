import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ChatgptCatalog } from '../../src/chatgpt/catalog.ts'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { makeJwt, nowS, startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'

// The plan's model list is asked of the backend with the login auth.json holds now: not with a
// token that has expired (nor redeemed for it), and not kept from another account after `codex login` switched.

const fake = startFakeChatgpt({ models: [{ slug: 'plan-only-model', supported_reasoning_levels: [{ effort: 'low' }] }] })
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

describe('the plan catalog and the login', () => {
  test('an expired access token is neither sent for the list nor redeemed for it; once the login has a new one, the plan\'s list is asked for at once', async () => {
    const expired = makeJwt({ exp: nowS() - 600, n: 'expired' })
    writeAuth(authPath, { access: expired, refresh: `rt-${crypto.randomUUID()}` })
    await nextTurn()
    const sent: string[] = []
    const redeemedBefore = fake.refreshes.length
    const service = new ChatgptService({
      fetch: (async (input: string | URL | Request, init?: RequestInit) => {
        if (String(input).includes('/codex/models')) sent.push(new Headers(init?.headers).get('authorization') ?? '')
        return fetch(input, init)
      }) as typeof fetch,
    })
    // Codex refreshes a shared login at its start-up: a second redemption of the same refresh token
    // at once could revoke them all, so the list never redeems one. The bundled list stands in.
    expect((await service.catalog.models()).map((model) => model.slug)).not.toContain('plan-only-model')
    expect(sent).toEqual([])
    expect(fake.refreshes.length).toBe(redeemedBefore)
    // Codex (or a request) refreshed the login: the next call asks for the plan's list, not in 5 minutes.
    const fresh = fake.validAccess
    writeAuth(authPath, { access: fresh, refresh: `rt-${crypto.randomUUID()}` })
    await nextTurn()
    expect((await service.catalog.models()).map((model) => model.slug)).toEqual(['plan-only-model'])
    expect(sent).toEqual([`Bearer ${fresh}`])
  })

  test('after `codex login` switches account, the next request gets the new account\'s list, not the old one for 5 minutes', async () => {
    const fetchByAccount = (async (_input: string | URL | Request, init?: RequestInit) => {
      const account = new Headers(init?.headers).get('chatgpt-account-id')
      return Response.json({ models: [{ slug: `model-of-${account}` }] })
    }) as unknown as typeof fetch
    const catalog = new ChatgptCatalog({ fetch: fetchByAccount, clientVersion: '0.169.0' })
    const valid = makeJwt({ exp: nowS() + 3600 })
    writeAuth(authPath, { access: valid, refresh: 'rt-a' }, { tokens: { access_token: valid, refresh_token: 'rt-a', account_id: 'personal' } })
    await nextTurn()
    expect((await catalog.models()).map((model) => model.slug)).toEqual(['model-of-personal'])
    const other = makeJwt({ exp: nowS() + 3600, n: 'work' })
    writeAuth(authPath, { access: other, refresh: 'rt-b' }, { tokens: { access_token: other, refresh_token: 'rt-b', account_id: 'work' } })
    await nextTurn()
    expect((await catalog.models()).map((model) => model.slug)).toEqual(['model-of-work'])
  })
})
