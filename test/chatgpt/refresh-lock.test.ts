import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { readLogin, TokenRefresher } from '../../src/chatgpt/auth.ts'

// The lock beside auth.json when the process that took it is gone, and when it is not
// (src/chatgpt/refresh-lock.ts). The other processes are real ones: _refresh-lock-child.ts.

const child = join(import.meta.dir, '_refresh-lock-child.ts')
const running: Bun.Subprocess[] = []
afterAll(() => {
  for (const process of running) process.kill('SIGKILL')
})

let n = 0
function authFile(): string {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, `refresh-lock-${++n}`)
  mkdirSync(dir, { recursive: true })
  const path = join(dir, 'auth.json')
  writeFileSync(path, JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: jwt(-600), refresh_token: 'rt-old', account_id: 'acct' } }), { mode: 0o600 })
  return path
}

function jwt(inSeconds: number): string {
  return `e30.${Buffer.from(JSON.stringify({ exp: Math.floor(Date.now() / 1000) + inSeconds })).toString('base64url')}.sig`
}

/** A fake token endpoint's answer, and how many refresh tokens it was asked to redeem. */
function countingFetch(accessToken: string) {
  const redeemed: string[] = []
  const fetch = (async (_url: string | URL | Request, init?: RequestInit) => {
    redeemed.push(JSON.parse(String(init?.body)).refresh_token)
    return Response.json({ access_token: accessToken, refresh_token: 'rt-new' })
  }) as typeof globalThis.fetch
  return { fetch, redeemed }
}

function spawnChild(mode: 'hold' | 'refresh', path: string, env: Record<string, string> = {}) {
  const subprocess = Bun.spawn([process.execPath, child, mode, path], { env: { ...process.env, ...env }, stdin: 'pipe', stdout: 'pipe', stderr: 'inherit' })
  running.push(subprocess)
  const lines = linesOf(subprocess.stdout)
  return {
    subprocess,
    nextLine: async () => (await lines.next()).value as string,
    say: (line: string) => {
      subprocess.stdin.write(`${line}\n`)
      subprocess.stdin.flush()
    },
  }
}

async function* linesOf(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder()
  let buffered = ''
  for await (const chunk of stream) {
    buffered += decoder.decode(chunk, { stream: true })
    for (let end = buffered.indexOf('\n'); end >= 0; end = buffered.indexOf('\n')) {
      yield buffered.slice(0, end)
      buffered = buffered.slice(end + 1)
    }
  }
}

/** auth.json with the lock left by a process killed while it was redeeming. */
async function lockOfKilledProcess(): Promise<string> {
  const path = authFile()
  const holder = spawnChild('hold', path)
  expect(await holder.nextLine()).toBe('redeeming')
  holder.subprocess.kill('SIGKILL')
  await holder.subprocess.exited
  expect(existsSync(`${path}.codex-shim.lock`)).toBe(true)
  return path
}

/** Nothing of the lock's is left beside auth.json: no lock, temporary owner file or takeover marker. */
function expectOnlyAuthJson(path: string): void {
  expect(readdirSync(join(path, '..'))).toEqual(['auth.json'])
}

describe('a lock whose owner is gone is taken over', () => {
  test('a lock left by a process killed mid-refresh: the next refresh takes it over and succeeds', async () => {
    const path = await lockOfKilledProcess()
    const fresh = jwt(3600)
    const endpoint = countingFetch(fresh)
    const result = await new TokenRefresher({ path: () => path, fetch: endpoint.fetch, retries: 0 }).refresh(readLogin(path)!, 'proactive_expiry')
    expect(result.tokens.access_token).toBe(fresh)
    expect(endpoint.redeemed).toEqual(['rt-old'])
    expectOnlyAuthJson(path)
  }, 20_000)

  test('a lock naming our own pid that this process does not hold (a container\'s pid 1 after a restart) is taken over', async () => {
    const path = authFile()
    writeFileSync(`${path}.codex-shim.lock`, JSON.stringify({ pid: process.pid, host: hostname(), start: null, id: 'an-earlier-process' }))
    const fresh = jwt(3600)
    const endpoint = countingFetch(fresh)
    const result = await new TokenRefresher({ path: () => path, fetch: endpoint.fetch, retries: 0 }).refresh(readLogin(path)!, 'proactive_expiry')
    expect(result.tokens.access_token).toBe(fresh)
    expectOnlyAuthJson(path)
  })

  test('a lock in the older format (empty, no owner) past the age older versions give up at is taken over', async () => {
    const path = authFile()
    writeFileSync(`${path}.codex-shim.lock`, '')
    const longAgo = (Date.now() - 31_000) / 1000
    utimesSync(`${path}.codex-shim.lock`, longAgo, longAgo)
    const endpoint = countingFetch(jwt(3600))
    await new TokenRefresher({ path: () => path, fetch: endpoint.fetch, retries: 0 }).refresh(readLogin(path)!, 'proactive_expiry')
    expect(endpoint.redeemed).toEqual(['rt-old'])
    expectOnlyAuthJson(path)
  })

  test('waiters in several processes that find one stale lock: one redeems the token, the others use what it wrote', async () => {
    const path = await lockOfKilledProcess()
    const fresh = jwt(3600)
    const redeemed: string[] = []
    using server = Bun.serve({
      port: 0,
      async fetch(request) {
        redeemed.push(((await request.json()) as { refresh_token: string }).refresh_token)
        return Response.json({ access_token: fresh, refresh_token: 'rt-new' })
      },
    })
    const waiters = [1, 2, 3].map(() => spawnChild('refresh', path, { CODEX_REFRESH_TOKEN_URL_OVERRIDE: `http://127.0.0.1:${server.port}/oauth/token` }))
    for (const waiter of waiters) expect(await waiter.nextLine()).toBe('ready')
    for (const waiter of waiters) waiter.say('go') // all at once, so they race for the takeover
    expect(await Promise.all(waiters.map((waiter) => waiter.nextLine()))).toEqual([fresh, fresh, fresh])
    expect(redeemed).toEqual(['rt-old'])
    expect(JSON.parse(readFileSync(path, 'utf8')).tokens.refresh_token).toBe('rt-new')
    expectOnlyAuthJson(path)
  }, 30_000)
})

test('a lock whose owner is alive is waited for, and the login it wrote is used rather than redeemed again', async () => {
  const path = authFile()
  const holder = spawnChild('hold', path)
  expect(await holder.nextLine()).toBe('redeeming')
  const endpoint = countingFetch(jwt(3600))
  let settled = false
  const waiting = new TokenRefresher({ path: () => path, fetch: endpoint.fetch, retries: 0 })
    .refresh(readLogin(path)!, 'proactive_expiry')
    .finally(() => (settled = true))
  await Bun.sleep(300) // several of the waiter's looks at the lock
  expect(settled).toBe(false)
  holder.say('answer')
  expect(await holder.nextLine()).toBe('done')
  const result = await waiting
  expect(result.tokens.refresh_token).toBe('rt-holder')
  expect(endpoint.redeemed).toEqual([])
  expectOnlyAuthJson(path)
}, 20_000)
