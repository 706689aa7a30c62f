import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs'
import { writeFileAtomicOffThread } from '../codex/atomic-write.ts'
import { shimPaths } from '../paths.ts'

export const tokenPath = shimPaths.token

/**
 * The endpoint token: `CODEX_SHIM_TOKEN`, else the one stored in
 * `$CODEX_SHIM_HOME/token` (0600), else a new random one stored there (synced
 * off the thread: the proxy is already serving when `--tunnel` asks).
 */
export async function ensureToken(env: Record<string, string | undefined> = process.env): Promise<{ token: string; created: boolean }> {
  if (env.CODEX_SHIM_TOKEN) return { token: env.CODEX_SHIM_TOKEN, created: false }
  const path = tokenPath()
  if (existsSync(path)) {
    const stored = readFileSync(path, 'utf8').trim()
    if (stored) {
      // A token file others can read (copied in, restored from a backup) is made private before it is used.
      if (process.platform !== 'win32' && (statSync(path).mode & 0o077) !== 0) chmodSync(path, 0o600)
      return { token: stored, created: false }
    }
  }
  const bytes = crypto.getRandomValues(new Uint8Array(24))
  const token = `sk-shim-${Buffer.from(bytes).toString('base64url')}`
  await writeFileAtomicOffThread(path, `${token}\n`, { secret: true })
  return { token, created: true }
}
