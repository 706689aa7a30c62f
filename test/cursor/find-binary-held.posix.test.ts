import { afterEach, describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { clearCursorAgentCache, findCursorAgent } from '../../src/cursor/find-binary.ts'

// POSIX: the held `agent` is a shell script.
afterEach(clearCursorAgentCache)

describe('finding cursor-agent without holding the proxy', () => {
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
