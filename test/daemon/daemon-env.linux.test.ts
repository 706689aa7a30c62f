/**
 * The daemon `start` spawns runs with what Bun reads only at process start: its cap on upstream
 * requests at once (upstream/max-requests.ts). Read from the daemon's environment (Linux).
 */
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'

test('the daemon starts with the raised upstream request cap', () => {
  const homes = freshHomes('daemon-env')
  const env: Record<string, string> = { ...homes, CODEX_SHIM_DISABLE_CHATGPT: '1', CODEX_SHIM_DISABLE_CURSOR: '1' }
  const started = runCli(['start', '--port', String(freePort())], env)
  try {
    expect({ code: started.code, error: started.code ? started.output : '' }).toEqual({ code: 0, error: '' })
    const { pid } = JSON.parse(readFileSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'), 'utf8')) as { pid: number }
    const variables = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0')
    expect(variables).toContain('BUN_CONFIG_MAX_HTTP_REQUESTS=16384')
  } finally {
    expect(runCli(['stop'], env).code).toBe(0)
  }
}, 30_000)
