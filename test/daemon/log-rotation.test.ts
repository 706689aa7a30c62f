import { describe, expect, test } from 'bun:test'
import { closeSync, existsSync, openSync, readFileSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { rotateIfLarge, stdoutLogFile } from '../../src/daemon/log-rotation.ts'
import { clientDir } from '../support/spawn-client.ts'
import { expectMode } from '../support/file-mode.ts'

const dir = clientDir('log-rotation')

describe('log rotation', () => {
  test('a log under the limit is left alone; one past it moves to .1 (private) and starts over', async () => {
    const path = join(dir, 'small.log')
    writeFileSync(path, 'one line\n')
    expect(await rotateIfLarge(path, 1024)).toBe(false)
    expect(readFileSync(path, 'utf8')).toBe('one line\n')

    const big = join(dir, 'big.log')
    writeFileSync(big, 'x'.repeat(2000), { mode: 0o600 })
    writeFileSync(`${big}.1`, 'an earlier copy left readable', { mode: 0o644 })
    expect(await rotateIfLarge(big, 1024)).toBe(true)
    expect(readFileSync(`${big}.1`, 'utf8')).toBe('x'.repeat(2000))
    expectMode(`${big}.1`, 0o600)
    expect(statSync(big).size).toBe(0)
    expect(existsSync(`${big}.1.partial`)).toBe(false)
    // The next rotation replaces the copy before it: one earlier file is kept, never more.
    writeFileSync(big, 'y'.repeat(1500))
    expect(await rotateIfLarge(big, 1024)).toBe(true)
    expect(readFileSync(`${big}.1`, 'utf8')).toBe('y'.repeat(1500))
  })

  test('a writer holding the log open for appending goes on at the start of the emptied file', async () => {
    const path = join(dir, 'held.log')
    const fd = openSync(path, 'a', 0o600) // as `start` opens the daemon's stdout
    writeSync(fd, `${'old line\n'.repeat(200)}`)
    expect(await rotateIfLarge(path, 1024)).toBe(true)
    writeSync(fd, 'first line after\n')
    closeSync(fd)
    expect(readFileSync(path, 'utf8')).toBe('first line after\n')
    expect(readFileSync(`${path}.1`, 'utf8')).toBe('old line\n'.repeat(200))
  })

  test('the log a process writes is found by its stdout, among the known ones; a non-file stdout is none', () => {
    const ours = join(dir, 'ours.log')
    const other = join(dir, 'other.log')
    writeFileSync(other, '')
    const fd = openSync(ours, 'a')
    expect(stdoutLogFile([other, ours], fd)).toBe(ours)
    expect(stdoutLogFile([other], fd)).toBeNull()
    closeSync(fd)
    if (process.platform === 'win32') return // Windows opens no folder as a file to stand for a non-file stdout
    const folder = openSync(dir, 'r')
    expect(stdoutLogFile([other, ours], folder)).toBeNull()
    closeSync(folder)
  })
})
