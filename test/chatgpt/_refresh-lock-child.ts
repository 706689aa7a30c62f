// Run by test/chatgpt/refresh-lock.test.ts: another process refreshing the same auth.json.
//   hold <auth.json>     refreshes with a token endpoint that answers only after a line on stdin
//                        (so the lock stays held; the test may kill us meanwhile)
//   refresh <auth.json>  says "ready", waits for a line on stdin, then refreshes through
//                        CODEX_REFRESH_TOKEN_URL_OVERRIDE and prints the access token it got
import { readLogin, TokenRefresher } from '../../src/chatgpt/auth.ts'

const [mode, path] = process.argv.slice(2) as ['hold' | 'refresh', string]
const jwt = (exp: number) => `e30.${Buffer.from(JSON.stringify({ exp })).toString('base64url')}.sig`

async function nextLine(): Promise<void> {
  for await (const _line of console) return
}

const login = readLogin(path)!
if (mode === 'hold') {
  const heldFetch = (async () => {
    console.log('redeeming')
    await nextLine()
    return Response.json({ access_token: jwt(Math.floor(Date.now() / 1000) + 3600), refresh_token: 'rt-holder' })
  }) as unknown as typeof fetch
  await new TokenRefresher({ path: () => path, fetch: heldFetch, retries: 0 }).refresh(login, 'proactive_expiry')
  console.log('done')
} else {
  console.log('ready')
  await nextLine()
  const result = await new TokenRefresher({ path: () => path, retries: 0 }).refresh(login, 'proactive_expiry')
  console.log(result.tokens.access_token)
}
