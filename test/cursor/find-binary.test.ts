import { afterEach, describe, expect, test } from 'bun:test'
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clearCursorAgentCache, findCursorAgent } from '../../src/cursor/find-binary.ts'

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

  test('the `agent --help` probe leaves the event loop free, and callers at the same time share it', async () => {
    // The proxy looks for cursor-agent on a request: a probe run synchronously stopped every other
    // request and stream until `agent` answered. This one answers only once the test releases it.
    const dir = mkdtempSync(join(tmpdir(), 'cursor-held-'))
    const [started, release, runs] = ['started', 'release', 'runs'].map((name) => join(dir, name)) as [string, string, string]
    writeFileSync(join(dir, 'agent'), `#!/bin/sh
echo run >> '${runs}'
: > '${started}'
i=0
while [ ! -e '${release}' ]; do i=$((i + 1)); [ "$i" -gt 500 ] && exit 1; sleep 0.01; done
echo 'Usage: agent [options] — the Cursor Agent CLI'
`)
    chmodSync(join(dir, 'agent'), 0o755)
    const env = { PATH: `${dir}:/usr/bin:/bin` }
    const first = findCursorAgent(env)
    const second = findCursorAgent(env)
    while (!existsSync(started)) await Bun.sleep(5) // only a free event loop gets here while the probe runs
    writeFileSync(release, '')
    expect(await Promise.all([first, second])).toEqual([join(dir, 'agent'), join(dir, 'agent')])
    expect(readFileSync(runs, 'utf8')).toBe('run\n')
  })
})
