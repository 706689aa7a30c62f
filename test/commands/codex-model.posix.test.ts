import { describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'

// POSIX: the fake codex is a shell script run by its shebang; it records whether it ran.
describe('codex-shim codex -m: the model is checked before the daemon starts or codex runs', () => {
  function setUp(name: string) {
    const homes = freshHomes(name)
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'ollama' }, { slug: 'other', model: 'o', provider: 'ollama' }] }))
    const bin = join(homes.CODEX_SHIM_HOME, 'fake-codex')
    const ran = join(homes.CODEX_SHIM_HOME, 'fake-codex.ran')
    writeFileSync(bin, `#!/bin/sh\nfor a in "$@"; do [ "$a" = "--help" ] && exit 0; done\ntouch '${ran}'\n`)
    chmodSync(bin, 0o755)
    return { env: { ...homes, CODEX_SHIM_CODEX_BIN: bin, CODEX_SHIM_DISABLE_CHATGPT: '1', CODEX_SHIM_DISABLE_CURSOR: '1' }, ran, homes }
  }

  test('a model no model answers to is bad usage (exit 2), naming it and the valid ones', () => {
    const { env, ran, homes } = setUp('codex-unknown-model')
    const run = runCli(['codex', '--port', String(freePort()), '-m', 'nope', '--', 'exec', 'task'], env)
    try {
      expect(run.code).toBe(2)
      expect(run.stderr).toContain('Unknown model "nope"')
      expect(run.stderr).toContain('fake, other')
      expect(existsSync(ran)).toBe(false)
      expect(existsSync(join(homes.CODEX_SHIM_HOME, 'codex-shim.pid'))).toBe(false) // no daemon started for nothing
    } finally {
      runCli(['stop'], env)
    }
  })

  test('-m given twice, to codex-shim and to codex (in any spelling), is refused rather than one silently winning', () => {
    const { env, ran } = setUp('codex-model-twice')
    try {
      for (const codexArgs of [['--model', 'other'], ['-m', 'other'], ['--model=other'], ['-c', 'model="other"']]) {
        const run = runCli(['codex', '--port', String(freePort()), '-m', 'fake', '--', ...codexArgs, 'exec', 'task'], env)
        expect(run.code).toBe(2)
        expect(run.stderr).toContain('Choose the model once')
      }
      expect(existsSync(ran)).toBe(false)
    } finally {
      runCli(['stop'], env) // without the check, the daemon starts before Codex runs
    }
  })
})

describe('codex-shim codex with a daemon already running', () => {
  test('--settings or --port the running daemon does not use: said, with the restart that applies them', () => {
    const homes = freshHomes('codex-running')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'ollama' }] }))
    const other = join(homes.CODEX_SHIM_HOME, 'other.json')
    writeFileSync(other, JSON.stringify({ models: [{ slug: 'elsewhere', model: 'e', provider: 'ollama' }] }))
    const bin = join(homes.CODEX_SHIM_HOME, 'fake-codex')
    writeFileSync(bin, '#!/bin/sh\nexit 0\n')
    chmodSync(bin, 0o755)
    const env = { ...homes, CODEX_SHIM_CODEX_BIN: bin, CODEX_SHIM_DISABLE_CHATGPT: '1', CODEX_SHIM_DISABLE_CURSOR: '1' }
    const port = String(freePort())
    try {
      expect(runCli(['start', '--port', port], env).code).toBe(0)
      const same = runCli(['codex', '--port', port, '--', 'exec', 'task'], env)
      expect(same.code).toBe(0)
      expect(same.output).not.toContain('already running')
      const run = runCli(['codex', '--settings', other, '-m', 'elsewhere', '--', 'exec', 'task'], env)
      expect(run.stderr).toContain(`already running (pid`)
      expect(run.stderr).toContain(other)
      expect(run.stderr).toContain('codex-shim restart')
      const elsewhere = runCli(['codex', '--port', String(freePort()), '--', 'exec', 'task'], env)
      expect(elsewhere.stderr).toContain(`on port ${port}`)
    } finally {
      runCli(['stop'], env)
    }
  })
})
