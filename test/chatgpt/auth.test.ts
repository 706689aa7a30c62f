import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { currentLogin, isExpired, jwtExp, readLogin, readLoginState, TokenRefresher } from '../../src/chatgpt/auth.ts'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { ShimError } from '../../src/errors.ts'
import { codexPaths } from '../../src/paths.ts'
import { runShutdownHooks } from '../../src/shutdown.ts'
import { expectMode } from '../support/file-mode.ts'

let n = 0
function authFile(content: string, mode = 0o600): string {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, `auth-${++n}`)
  mkdirSync(dir, { recursive: true })
  const path = join(dir, 'auth.json')
  writeFileSync(path, content)
  chmodSync(path, mode)
  return path
}

function jwt(exp: number): string {
  return `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`
}

const expired = jwt(Math.floor(Date.now() / 1000) - 600)
const login = (access: string) => JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: access, refresh_token: 'rt-old', account_id: 'acct' } })

describe('auth.json write-back', () => {
  test('a refresh rewrites a 0644 auth.json as 0600, as Codex writes it', async () => {
    const path = authFile(login(expired), 0o644)
    const fresh = jwt(Math.floor(Date.now() / 1000) + 3600)
    const received: string[] = []
    const fakeFetch = (async (_url: string | URL | Request, init?: RequestInit) => {
      received.push(String(init?.body))
      return new Response(JSON.stringify({ access_token: fresh, refresh_token: 'rt-new' }), { status: 200, headers: { 'content-type': 'application/json' } })
    }) as typeof fetch
    const refresher = new TokenRefresher({ path: () => path, fetch: fakeFetch, retries: 0 })
    const result = await refresher.refresh(readLogin(path)!, 'proactive_expiry')
    expect(result.tokens.access_token).toBe(fresh)
    expect(JSON.parse(received[0]!).refresh_token).toBe('rt-old')
    expect(JSON.parse(readFileSync(path, 'utf8')).tokens).toMatchObject({ access_token: fresh, refresh_token: 'rt-new', account_id: 'acct' })
    expectMode(path, 0o600)
  })
})

describe('a refresh that fails', () => {
  test('names the endpoint\'s error code, never text that quotes the refresh token', async () => {
    const refreshed = async (error: unknown) => {
      const path = authFile(login(expired))
      const fakeFetch = (async () => Response.json({ error }, { status: 400 })) as unknown as typeof fetch
      const refresher = new TokenRefresher({ path: () => path, fetch: fakeFetch, retries: 0 })
      return (await refresher.refresh(readLogin(path)!, 'proactive_expiry').catch((failure: Error) => failure)) as Error
    }
    expect((await refreshed('invalid_request')).message).toContain('(HTTP 400 (invalid_request))')
    const quoting = await refreshed('invalid_request: could not parse refresh_token=rt-old')
    expect(quoting.message).toContain('(HTTP 400)')
    expect(quoting.message).not.toContain('rt-old')
    expect((await refreshed({ code: 'rt-old' })).message).not.toContain('rt-old')
  })
})

describe('readLoginState', () => {
  test('tells a missing file from a truncated one, an API-key login and a file without a token', () => {
    expect(readLoginState(join(process.env.CODEX_SHIM_TEST_ROOT!, 'no-such-auth.json')).state).toBe('missing')
    expect(readLoginState(authFile(login(expired).slice(0, 30))).state).toBe('invalid')
    expect(readLoginState(authFile(JSON.stringify({ auth_mode: 'apikey', OPENAI_API_KEY: 'sk-x' }))).state).toBe('api_key')
    expect(readLoginState(authFile(JSON.stringify({ auth_mode: 'chatgpt', tokens: {} }))).state).toBe('no_token')
    const ok = readLoginState(authFile(login('tok')))
    expect(ok.state === 'ok' && ok.login.tokens.access_token).toBe('tok')
    // readLogin keeps its contract: the login or null.
    expect(readLogin(authFile('{"tokens": {"access_'))).toBeNull()
  })

  test('a request with a truncated auth.json is told the file is not valid JSON, not that there is no login', async () => {
    writeFileSync(codexPaths.auth(), login(expired).slice(0, 40))
    const service = new ChatgptService({ fetch: (async () => new Response('unexpected', { status: 500 })) as unknown as typeof fetch })
    const error = await service.send('{}', {} as Parameters<ChatgptService['send']>[1]).then(
      () => null,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(ShimError)
    expect((error as ShimError).message).toBe('auth.json is not valid JSON (run `codex login`).')
    expect((error as ShimError).kind).toBe('auth_expired')
  })
})

describe('readLoginState reads the file again only when it changed', () => {
  const file = (name: string) => join(process.env.CODEX_SHIM_TEST_ROOT!, `auth-cache-${name}-${crypto.randomUUID().slice(0, 8)}.json`)
  const auth = (access: string) => JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: access, refresh_token: 'r' } })

  test('a rewrite of the same size in the same millisecond, a replacement by rename and a removal are all seen', () => {
    const path = file('rewrite')
    writeFileSync(path, auth('token-aaaa'))
    expect(readLogin(path)?.tokens.access_token).toBe('token-aaaa')
    writeFileSync(path, auth('token-bbbb')) // same length: only the change time tells
    expect(readLogin(path)?.tokens.access_token).toBe('token-bbbb')
    const other = file('replacement')
    writeFileSync(other, auth('token-cccc'))
    renameSync(other, path)
    expect(readLogin(path)?.tokens.access_token).toBe('token-cccc')
    writeFileSync(path, '{not json')
    expect(readLoginState(path).state).toBe('invalid')
    rmSync(path)
    expect(readLoginState(path).state).toBe('missing')
  })

  test('an unchanged file gives the same parsed login (no new read)', () => {
    const path = file('unchanged')
    writeFileSync(path, auth('token-dddd'))
    const aMinuteAgo = (Date.now() - 60_000) / 1000
    utimesSync(path, aMinuteAgo, aMinuteAgo) // as a login written a while ago (the change time moves to now: see below)
    Bun.sleepSync(250) // past the 200 ms in which a change is not trusted to the stamp
    expect(readLogin(path)).toBe(readLogin(path))
  })

  test('a file changed moments ago is read again each time: a same-size rewrite within the clock\'s tick leaves its stamp as it was', () => {
    const path = file('recent')
    writeFileSync(path, auth('token-eeee'))
    const first = readLogin(path)
    expect(readLogin(path)).not.toBe(first)
    expect(readLogin(path)).toEqual(first)
  })
})

describe('a request reads the login once', () => {
  const auth = (access: string) => JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: access, refresh_token: 'r' } })
  const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve))

  test('within one turn of the event loop the login is read once; the next turn sees a rewrite, and exact readers see it at once', async () => {
    const path = codexPaths.auth()
    const saved = (() => {
      try {
        return readFileSync(path)
      } catch {
        return null
      }
    })()
    try {
      mkdirSync(join(path, '..'), { recursive: true })
      writeFileSync(path, auth('token-turn-1'))
      await nextTurn()
      expect(currentLogin()?.tokens.access_token).toBe('token-turn-1')
      writeFileSync(path, auth('token-turn-2'))
      // Same turn: the answer the request already had (a rewrite now cannot be told from one just after).
      expect(currentLogin()?.tokens.access_token).toBe('token-turn-1')
      expect(readLogin()?.tokens.access_token).toBe('token-turn-2')
      await nextTurn()
      expect(currentLogin()?.tokens.access_token).toBe('token-turn-2')
      rmSync(path)
      await nextTurn()
      expect(currentLogin()).toBeNull()
    } finally {
      if (saved) writeFileSync(path, saved)
      else rmSync(path, { force: true })
    }
  })

  test('the expiry is decoded once per token, and each token keeps its own', () => {
    const soon = jwt(Math.floor(Date.now() / 1000) + 30)
    const later = jwt(Math.floor(Date.now() / 1000) + 3600)
    for (let round = 0; round < 3; round++) {
      expect([isExpired(later), isExpired(soon), isExpired(later)]).toEqual([false, true, false])
      expect(jwtExp('not-a-jwt')).toBeNull()
    }
  })
})

test('a backend error with no body says so rather than ending on a colon', async () => {
  writeFileSync(codexPaths.auth(), login(jwt(Math.floor(Date.now() / 1000) + 3600)))
  await new Promise<void>((resolve) => setImmediate(resolve)) // a request reads the login once per turn
  const service = new ChatgptService({ fetch: (async () => new Response(null, { status: 500 })) as unknown as typeof fetch })
  const context = { signal: new AbortController().signal, fetch: (async () => new Response(null, { status: 500 })) as unknown as typeof fetch, idleTimeoutMs: 0, clientHeaders: new Headers(), retry: { retries: 0, baseDelayMs: 0, maxDelayMs: 0 } }
  const error = (await service.send('{}', context as never).catch((failure: Error) => failure)) as Error
  expect(error.message).toBe('The ChatGPT backend returned HTTP 500: no error body')
})

describe('a refresh racing a login written by Codex', () => {
  test('a login Codex wrote while the token was being redeemed is kept and used, not overwritten with ours', async () => {
    const path = authFile(login(expired))
    const newer = JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: jwt(Math.floor(Date.now() / 1000) + 7200), refresh_token: 'rt-codex-login', account_id: 'other' } })
    const fakeFetch = (async () => {
      writeFileSync(path, newer) // `codex login` finishing meanwhile (Codex takes no lock of ours)
      return new Response(JSON.stringify({ access_token: jwt(Math.floor(Date.now() / 1000) + 3600), refresh_token: 'rt-ours' }), { status: 200, headers: { 'content-type': 'application/json' } })
    }) as unknown as typeof fetch
    const refresher = new TokenRefresher({ path: () => path, fetch: fakeFetch, retries: 0 })
    const result = await refresher.refresh(readLogin(path)!, 'proactive_expiry')
    expect(result.tokens.refresh_token).toBe('rt-codex-login')
    expect(readFileSync(path, 'utf8')).toBe(newer)
  })

  test('a folder where the lock cannot be created says so at once, not after waiting for a refresh that is not there', async () => {
    const path = join(process.env.CODEX_SHIM_TEST_ROOT!, 'no-such-folder', 'auth.json')
    const refresher = new TokenRefresher({ path: () => path, retries: 0 })
    const error = (await refresher.refresh({ tokens: { access_token: expired, refresh_token: 'rt' }, raw: '{}' } as never, 'proactive_expiry').catch((failure: Error) => failure)) as Error
    expect(error.message).toContain('Cannot create the refresh lock beside auth.json (ENOENT)')
  })
})

describe('a stopping proxy and a refresh under way', () => {
  test('the shutdown hooks wait for it, so the rotated tokens reach auth.json before the exit', async () => {
    const path = authFile(login(expired))
    const fresh = jwt(Math.floor(Date.now() / 1000) + 3600)
    const atEndpoint = Promise.withResolvers<void>()
    const answered = Promise.withResolvers<void>()
    const fakeFetch = (async () => {
      atEndpoint.resolve()
      await answered.promise
      return Response.json({ access_token: fresh, refresh_token: 'rt-new' })
    }) as unknown as typeof fetch
    const refreshing = new TokenRefresher({ path: () => path, fetch: fakeFetch, retries: 0 }).refresh(readLogin(path)!, 'proactive_expiry')
    await atEndpoint.promise
    let stopped = false
    const stopping = runShutdownHooks(5000).then(() => (stopped = true))
    await Bun.sleep(50) // a chance to settle, were it not waiting
    expect(stopped).toBe(false)
    answered.resolve()
    await stopping
    expect(JSON.parse(readFileSync(path, 'utf8')).tokens.refresh_token).toBe('rt-new')
    expect((await refreshing).tokens.access_token).toBe(fresh)
  })
})
