import { describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readLogin, TokenRefresher } from '../../src/chatgpt/auth.ts'
import { ShimError } from '../../src/errors.ts'

// A refresh takes a round trip to the token endpoint; Codex takes no lock of ours, so the user may
// log out, or log in with an API key, meanwhile. The write-back must never undo that.

let n = 0
function authFile(content: string): string {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, `logout-race-${++n}`)
  mkdirSync(dir, { recursive: true })
  const path = join(dir, 'auth.json')
  writeFileSync(path, content, { mode: 0o600 })
  return path
}

const jwt = (inSeconds: number) => `e30.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + inSeconds })).toString('base64url')}.sig`
const chatgptLogin = JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: jwt(-600), refresh_token: 'rt-old', account_id: 'acct' } })

function endpointThatMeanwhile(change: (path: string) => void, path: () => string) {
  return (async () => {
    change(path())
    return Response.json({ access_token: jwt(3600), refresh_token: 'rt-ours' })
  }) as unknown as typeof fetch
}

describe('a refresh racing a logout or an API-key login', () => {
  test('`codex logout` while the token is redeemed: auth.json stays removed, and the request is told to log in', async () => {
    const path = authFile(chatgptLogin)
    const refresher = new TokenRefresher({ path: () => path, fetch: endpointThatMeanwhile((file) => rmSync(file), () => path), retries: 0 })
    const outcome = await refresher.refresh(readLogin(path)!, 'proactive_expiry').catch((error: unknown) => error)
    expect(existsSync(path)).toBe(false)
    expect(outcome).toBeInstanceOf(ShimError)
    expect((outcome as ShimError).kind).toBe('auth_expired')
  })

  test('`codex login --with-api-key` while the token is redeemed: the API-key login is kept, not overwritten with the old ChatGPT one', async () => {
    const path = authFile(chatgptLogin)
    const apiKeyLogin = JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: 'sk-user-key' })
    const refresher = new TokenRefresher({ path: () => path, fetch: endpointThatMeanwhile((file) => writeFileSync(file, apiKeyLogin), () => path), retries: 0 })
    const outcome = await refresher.refresh(readLogin(path)!, 'proactive_expiry').catch((error: unknown) => error)
    expect(readFileSync(path, 'utf8')).toBe(apiKeyLogin)
    expect(outcome).toBeInstanceOf(ShimError)
    expect((outcome as ShimError).kind).toBe('auth_expired')
  })
})
