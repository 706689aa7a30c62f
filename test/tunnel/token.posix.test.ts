import { expect, test } from 'bun:test'
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ensureToken, tokenPath } from '../../src/tunnel/token.ts'

// POSIX: file modes (a Windows profile is private already).
test('a stored token file others can read is made 0600 before it is used (it was used as it was: an audit)', async () => {
  const saved = { home: process.env.CODEX_SHIM_HOME, token: process.env.CODEX_SHIM_TOKEN }
  const home = join(process.env.CODEX_SHIM_TEST_ROOT!, `token-mode-${Date.now()}`)
  mkdirSync(home, { recursive: true })
  process.env.CODEX_SHIM_HOME = home
  delete process.env.CODEX_SHIM_TOKEN
  try {
    writeFileSync(tokenPath(), 'sk-shim-stored-token\n')
    chmodSync(tokenPath(), 0o644)
    expect(await ensureToken()).toEqual({ token: 'sk-shim-stored-token', created: false })
    expect(statSync(tokenPath()).mode & 0o777).toBe(0o600)
  } finally {
    if (saved.home === undefined) delete process.env.CODEX_SHIM_HOME
    else process.env.CODEX_SHIM_HOME = saved.home
    if (saved.token !== undefined) process.env.CODEX_SHIM_TOKEN = saved.token
  }
})
