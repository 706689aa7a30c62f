import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { freshHomes, runCli } from '../support/cli.ts'

describe('an argument a command does not take is refused, not silently dropped', () => {
  test('an unquoted task for router explain: exit 2, naming the extra word, before any classifier runs', () => {
    const run = runCli(['router', 'explain', 'fix', 'the', 'typo'], freshHomes('extra-explain'))
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Unexpected argument "the" for "router explain"')
    expect(run.stdout).toBe('')
  })

  test('codex-shim codex exec "task" without --: exit 2 with the -- form as the hint; codex never runs', () => {
    const run = runCli(['codex', 'exec', 'fix it'], { ...freshHomes('extra-codex'), CODEX_SHIM_CODEX_BIN: '/nonexistent/codex' })
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('Unexpected argument "exec" for "codex"')
    expect(run.stderr).toContain('codex-shim codex -- exec')
  })

  test('list and model use take no extra words; an optional PATH and a value after a flag still pass', () => {
    const homes = freshHomes('extra-list')
    expect(runCli(['list', 'extra'], homes).code).toBe(2)
    expect(runCli(['model', 'use', 'a', 'b'], homes).stderr).toContain('Unexpected argument "b" for "model use"')
    // A flag's value is not an extra argument.
    expect(runCli(['list', '--settings', join(homes.CODEX_SHIM_HOME, 'none.json')], homes).stderr).not.toContain('Unexpected')
    expect(runCli(['app', '.', '--help'], homes).code).toBe(0)
  })
})
