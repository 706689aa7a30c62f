import { afterAll, describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'

const cleanups: (() => void)[] = []
afterAll(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
}, 30_000)

function homesWithSettings(name: string) {
  const homes = freshHomes(name)
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'fake-model', provider: 'ollama' }] }))
  cleanups.push(() => runCli(['stop'], homes))
  return homes
}
const recordedPid = (homes: { CODEX_SHIM_HOME: string }) => JSON.parse(readFileSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'), 'utf8')).pid as number

describe('restart checks what it will start before it stops the running proxy', () => {
  test('settings broken since the start: restart fails with exit 2 and the running proxy keeps serving (it was stopped and none started)', () => {
    const homes = homesWithSettings('restart-bad-settings')
    expect(runCli(['start', '--port', String(freePort())], homes).code).toBe(0)
    const pid = recordedPid(homes)
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), '{"models": [ {"slug": ')
    const restart = runCli(['restart'], homes)
    expect(restart.code).toBe(2)
    const status = runCli(['status', '--json'], homes)
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true, pid })
  }, 30_000)

  test('a new --port another program holds: restart fails and the running proxy keeps serving', () => {
    const homes = homesWithSettings('restart-busy-port')
    expect(runCli(['start', '--port', String(freePort())], homes).code).toBe(0)
    const pid = recordedPid(homes)
    const busy = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
    try {
      const restart = runCli(['restart', '--port', String(busy.port)], homes)
      expect(restart.code).toBe(1)
      expect(restart.output).toContain('already in use')
      expect(JSON.parse(runCli(['status', '--json'], homes).stdout)).toMatchObject({ running: true, pid })
    } finally {
      busy.stop(true)
    }
  }, 30_000)
})
