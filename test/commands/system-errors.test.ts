/**
 * A file system error reaches the user as what happened to which file and what to check, not the
 * system's text: an audit found "EISDIR: illegal operation on a directory, read" (no file named) and
 * "EACCES: permission denied, open '…/config.toml.codex-shim.bak.codex-shim-18802-….tmp'".
 */
import { expect, test } from 'bun:test'
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describeSystemError } from '../../src/system-error.ts'
import { freshHomes, runCli } from '../support/cli.ts'

const systemError = (code: string, syscall: string, path?: string) => Object.assign(new Error(`${code}: raw text, ${syscall}`), { code, syscall, ...(path && { path }) })

test.each([
  [systemError('EACCES', 'open', '/h/.codex/config.toml.codex-shim.bak.codex-shim-18802-k3.tmp'), 'Permission denied writing /h/.codex/config.toml.codex-shim.bak: check that you own it and its folder and can write there (ls -ld), then run this again.'],
  [systemError('EPERM', 'mkdir', '/h/.codex-shim'), 'Permission denied creating /h/.codex-shim: check that you own it and its folder and can write there (ls -ld), then run this again.'],
  [systemError('ENOSPC', 'write', '/h/.codex-shim/model_catalog.json.codex-shim-1-2.tmp'), 'Cannot write /h/.codex-shim/model_catalog.json: the disk (or your quota) is full. Free some space, then run this again.'],
  [systemError('EROFS', 'open', '/h/.codex/config.toml'), 'Cannot write /h/.codex/config.toml: it is on a read-only file system.'],
  [systemError('EISDIR', 'read'), 'A path codex-shim reads is a folder where a file is expected; move it aside, then run this again.'],
  [systemError('ENOTDIR', 'lstat', '/h/codex/config.toml'), 'A part of /h/codex/config.toml is a file where a folder is expected (is CODEX_HOME or CODEX_SHIM_HOME a file?).'],
  [systemError('EEXIST', 'mkdir', '/h/codex'), '/h/codex exists and is not a folder (is CODEX_HOME or CODEX_SHIM_HOME a file?).'],
])('%#: %s', (error, sentence) => {
  expect(describeSystemError(error)).toBe(sentence)
})

test('a network call\'s error is left to its own words (a port it may not listen on is no file)', () => {
  expect(describeSystemError(Object.assign(new Error('permission denied 127.0.0.1:80'), { code: 'EACCES', syscall: 'listen' }))).toBeNull()
})

test('anything else is left to its own message', () => {
  expect(describeSystemError(new Error('plain'))).toBeNull()
  expect(describeSystemError(systemError('EEXIST', 'open', '/x'))).toBeNull()
  expect(describeSystemError('text')).toBeNull()
})

test('enable and disable with config.toml a folder, or CODEX_HOME a file: one sentence naming it, exit 1', () => {
  const homes = freshHomes('system-errors')
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ model: 'm', provider: 'openai', api_key_env: 'OPENAI_API_KEY' }] }))
  mkdirSync(join(homes.CODEX_HOME, 'config.toml'), { recursive: true })
  for (const command of ['enable', 'disable']) {
    const run = runCli([command], homes)
    expect(run.code).toBe(1)
    expect(run.output).toContain(`${join(homes.CODEX_HOME, 'config.toml')} is a folder; Codex's config.toml must be a file.`)
    expect(run.output).not.toContain('EISDIR')
  }
  rmSync(homes.CODEX_HOME, { recursive: true })
  writeFileSync(homes.CODEX_HOME, '')
  const run = runCli(['enable'], homes)
  expect(run.code).toBe(1)
  expect(run.output).toContain('is a file where a folder is expected')
})
