// Run by the fsync test (test/files/fsync-off-thread.linux.test.ts) under strace:
// the proxy's ChatGPT token refresh, auth.json written back.
import { writeFileSync, writeSync } from 'node:fs'
import { readLogin, TokenRefresher } from '../../src/chatgpt/auth.ts'
import { SERVING, SHUTDOWN } from '../support/fsync-trace.ts'

const [path] = process.argv.slice(2) as [string]
const jwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`
writeFileSync(path, JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: jwt(Math.floor(Date.now() / 1000) - 600), refresh_token: 'rt-old', account_id: 'acct' } }), { mode: 0o600 })
const fresh = jwt(Math.floor(Date.now() / 1000) + 3600)
const fakeFetch = (async () => Response.json({ access_token: fresh, refresh_token: 'rt-new' })) as unknown as typeof fetch
writeSync(2, SERVING)
await new TokenRefresher({ path: () => path, fetch: fakeFetch, retries: 0 }).refresh(readLogin(path)!, 'proactive_expiry')
writeSync(2, SHUTDOWN)
