import { afterEach, describe, expect, test } from 'bun:test'
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clearCursorAgentCache, findCursorAgent } from '../../src/cursor/find-binary.ts'

// POSIX: the fake cursor-agent is a script run by its shebang.

const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')

/** A PATH directory holding the fake under `name` (its `--help` needs no fixtures). */
function pathWith(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'cursor-bin-'))
  mkdirSync(dir, { recursive: true })
  copyFileSync(fake, join(dir, name))
  chmodSync(join(dir, name), 0o755)
  return dir
}

afterEach(clearCursorAgentCache)

describe('finding cursor-agent', () => {
  test('$CURSOR_AGENT_BIN first; a configured path that does not exist is none', async () => {
    expect(await findCursorAgent({ CURSOR_AGENT_BIN: fake, PATH: '' })).toBe(fake)
    expect(await findCursorAgent({ CURSOR_AGENT_BIN: '/nonexistent/cursor-agent', PATH: pathWith('cursor-agent') })).toBeNull()
  })

  test('cursor-agent on PATH', async () => {
    const dir = pathWith('cursor-agent')
    expect(await findCursorAgent({ PATH: dir })).toBe(join(dir, 'cursor-agent'))
  })

  test('`agent` only when its --help says Cursor', async () => {
    const dir = pathWith('agent')
    expect(await findCursorAgent({ ...process.env, PATH: `${dir}:${process.env.PATH}` })).toBe(join(dir, 'agent'))
  })

  test('an `agent` that is someone else\'s (Grok Build) is not taken', async () => {
    const dir = pathWith('agent')
    expect(await findCursorAgent({ ...process.env, PATH: `${dir}:${process.env.PATH}`, FAKE_CURSOR_HELP: 'grok' })).toBeNull()
  })

  test('CODEX_SHIM_DISABLE_CURSOR=1 turns it off; results are cached per PATH', async () => {
    expect(await findCursorAgent({ CURSOR_AGENT_BIN: fake, CODEX_SHIM_DISABLE_CURSOR: '1' })).toBeNull()
    const dir = pathWith('cursor-agent')
    expect(await findCursorAgent({ PATH: dir })).toBe(join(dir, 'cursor-agent'))
    expect(await findCursorAgent({ PATH: dir })).toBe(join(dir, 'cursor-agent'))
  })
})
