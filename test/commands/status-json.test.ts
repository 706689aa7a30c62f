import { expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freshHomes, runCli } from '../support/cli.ts'

test('status --json with a damaged pid file says so, as the text form does, rather than a bare "not running"', () => {
  const homes = freshHomes('status-json-damaged')
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'), '{\n  "pid": 12')
  const run = runCli(['status', '--json'], homes)
  expect(run.code).toBe(1)
  expect(JSON.parse(run.stdout)).toEqual({ running: false, pid_file_damaged: true })
  // Nothing damaged: the plain answer.
  const clean = runCli(['status', '--json'], freshHomes('status-json-clean'))
  expect(JSON.parse(clean.stdout)).toEqual({ running: false })
})
