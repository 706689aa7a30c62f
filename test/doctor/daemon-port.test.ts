import { expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { applyManagedBlock } from '../../src/codex/config-block.ts'
import { freshHomes, runCli } from '../support/cli.ts'

test('proxy stopped: doctor checks the port Codex is set to (enable --port), not always 8765', () => {
  const homes = freshHomes('doctor-port')
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'ollama' }] }))
  // Another program holds the port Codex will connect to.
  const other = Bun.listen({ hostname: '127.0.0.1', port: 0, socket: { data() {} } })
  try {
    writeFileSync(join(homes.CODEX_HOME, 'config.toml'), applyManagedBlock('', { model: 'fake', port: other.port, catalogPath: join(homes.CODEX_SHIM_HOME, 'model_catalog.json') }))
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'model_catalog.json'), '{"models":[]}')
    const run = runCli(['doctor', '--json'], homes)
    const daemon = (JSON.parse(run.stdout) as { sections: { name: string; checks: { status: string; name: string; detail: string }[] }[] }).sections.find((section) => section.name === 'Daemon')!
    expect(daemon.checks.find((check) => check.name === 'port')).toMatchObject({ status: 'fail', detail: expect.stringContaining(String(other.port)) })
    expect(run.code).toBe(1)
  } finally {
    other.stop(true)
  }
})
