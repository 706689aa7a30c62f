/**
 * `start --foreground` (what `npm start` and a terminal run) gets Bun's
 * upstream request cap raised: Bun reads it only at process start, so the
 * command runs itself once more with it, passes signals on and exits with it.
 */
import { expect, test } from 'bun:test'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort } from '../support/cli.ts'

const cli = join(import.meta.dir, '../../src/cli.ts')

test('a foreground proxy runs with the raised cap; SIGTERM to the command stops the proxy', async () => {
  const base = join(process.env.CODEX_SHIM_TEST_ROOT!, `foreground-cap-${crypto.randomUUID().slice(0, 8)}`)
  const env: Record<string, string> = { ...(process.env as Record<string, string>), CODEX_SHIM_HOME: join(base, 'shim'), CODEX_HOME: join(base, 'codex'), CODEX_SHIM_DISABLE_CHATGPT: '1', CODEX_SHIM_DISABLE_CURSOR: '1' }
  delete env.BUN_CONFIG_MAX_HTTP_REQUESTS
  mkdirSync(env.CODEX_SHIM_HOME!, { recursive: true })
  mkdirSync(env.CODEX_HOME!, { recursive: true })
  writeFileSync(join(env.CODEX_SHIM_HOME!, 'models.json'), JSON.stringify({ models: [{ slug: 'local', model: 'm', provider: 'ollama' }] }))
  const port = freePort()
  const command = Bun.spawn([process.execPath, cli, 'start', '--foreground', '--port', String(port)], { env, stdout: 'pipe', stderr: 'pipe' })
  let health: { pid: number; max_upstream_requests: number } | null = null
  for (let i = 0; i < 200 && !health; i++) {
    health = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.json() as Promise<{ pid: number; max_upstream_requests: number }>).catch(() => null)
    if (!health) await Bun.sleep(50)
  }
  expect(health?.max_upstream_requests).toBe(16384)
  // The proxy is the command's child, not the command itself.
  expect(health?.pid).not.toBe(command.pid)
  command.kill('SIGTERM')
  await command.exited
  let down = false
  for (let i = 0; i < 100 && !down; i++) {
    down = await fetch(`http://127.0.0.1:${port}/health`).then(() => false, () => true)
    if (!down) await Bun.sleep(50)
  }
  expect(down).toBe(true)
}, 30_000)
