import { envFlag } from '../env-flag.ts'
import { fileText } from '../file-text.ts'
import { codexPaths } from '../paths.ts'

/**
 * What an `auth.json` says, apart from how it is read: the proxy's early
 * `/health` reads it through Bun's file API, and auth.ts (node:fs, refreshes,
 * locks) loads with the first request that needs a token.
 */

export interface ChatgptTokens {
  access_token: string
  refresh_token?: string
  account_id?: string
  id_token?: string
}

export interface ChatgptLogin {
  tokens: ChatgptTokens
  /** The raw file as read, to detect a refresh by someone else. */
  raw: string
}

export function chatgptDisabled(env: Record<string, string | undefined> = process.env): boolean {
  return envFlag(env.CODEX_SHIM_DISABLE_CHATGPT)
}

/** Why there is or is not a usable login: each reason has its own next step. */
export type LoginState =
  | { state: 'ok'; login: ChatgptLogin }
  | { state: 'disabled' } // CODEX_SHIM_DISABLE_CHATGPT
  | { state: 'missing' } // no auth.json
  | { state: 'invalid' } // auth.json is not JSON (truncated, hand-edited)
  | { state: 'api_key' } // Codex is logged in with an API key, not ChatGPT
  | { state: 'no_token' } // JSON, but no access token in it

/** The state an `auth.json` text describes. */
export function loginStateOf(raw: string): LoginState {
  let json: { auth_mode?: string; OPENAI_API_KEY?: string | null; tokens?: Partial<ChatgptTokens> | null }
  try {
    json = JSON.parse(raw)
  } catch {
    return { state: 'invalid' }
  }
  if (!json || typeof json !== 'object') return { state: 'invalid' }
  if (json.auth_mode && json.auth_mode !== 'chatgpt' && json.auth_mode !== 'chatgptAuthTokens') return { state: 'api_key' }
  if (!json.auth_mode && json.OPENAI_API_KEY) return { state: 'api_key' }
  const access = json.tokens?.access_token
  if (typeof access !== 'string' || !access) return { state: 'no_token' }
  return { state: 'ok', login: { tokens: json.tokens as ChatgptTokens, raw } }
}

/** Whether a ChatGPT login is usable, read without node:fs: what `/health` says before the proxy loads. */
export async function chatgptLoginUsable(path = codexPaths.auth()): Promise<boolean> {
  if (chatgptDisabled()) return false
  const file = Bun.file(path)
  // Absent or empty, it holds no login: asking its size is sync and ~0.05 ms, an async read several times that.
  if (file.size === 0) return false
  try {
    return loginStateOf(await fileText(file)).state === 'ok'
  } catch {
    return false
  }
}
