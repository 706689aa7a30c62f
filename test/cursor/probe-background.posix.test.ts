import { describe, expect, test } from 'bun:test'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { runCursorCommand } from '../../src/cursor/_probe.ts'
import { clientDir } from '../support/spawn-client.ts'

// POSIX: the fake cursor-agent is a shell script.
const dir = clientDir('probe-background')

describe('a cursor-agent that leaves a process behind', () => {
  test('its answer is read once it exits, though a background process keeps its pipes open', async () => {
    const bin = join(dir, 'cursor-agent')
    // Like a CLI that starts a helper and exits: the helper inherits stdout and outlives it.
    writeFileSync(bin, '#!/bin/sh\n(sleep 30) &\necho "Logged in as someone"\nexit 0\n')
    chmodSync(bin, 0o755)
    const result = await runCursorCommand(bin, ['status'], { timeoutMs: 4000 })
    expect(result).toEqual({ output: 'Logged in as someone', exitCode: 0, timedOut: false })
  })

  test('one that does not exit is killed at the limit and still returns', async () => {
    const bin = join(dir, 'cursor-agent-stuck')
    writeFileSync(bin, '#!/bin/sh\n(sleep 30) &\necho "starting"\nsleep 30\n')
    chmodSync(bin, 0o755)
    const result = await runCursorCommand(bin, ['status'], { timeoutMs: 300 })
    expect(result).toEqual({ output: 'starting', exitCode: null, timedOut: true })
  })
})
