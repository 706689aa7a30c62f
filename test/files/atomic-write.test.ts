import { describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, readdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { writeFileAtomic, writeFileAtomicOffThread, type WriteOptions } from '../../src/codex/atomic-write.ts'
import { expectMode } from '../support/file-mode.ts'

let n = 0
function freshDir(): string {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, `atomic-${++n}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

// The CLI's write and the running proxy's (its fsync on Bun's I/O threads) keep the same promises.
const writers: [string, (path: string, content: string, options?: WriteOptions) => void | Promise<void>][] = [
  ['writeFileAtomic', writeFileAtomic],
  ['writeFileAtomicOffThread', writeFileAtomicOffThread],
]

describe.each(writers)('%s', (_name, writeFileAtomic) => {
  test('secret: a file that was 0644 is rewritten 0600', async () => {
    const path = join(freshDir(), 'token')
    writeFileSync(path, 'old\n')
    chmodSync(path, 0o644)
    await writeFileAtomic(path, 'new\n', { secret: true })
    expect(readFileSync(path, 'utf8')).toBe('new\n')
    expectMode(path, 0o600)
  })

  test('secret: a new file is 0600 even with a permissive umask', async () => {
    const path = join(freshDir(), 'auth.json')
    const previous = process.umask(0)
    try {
      await writeFileAtomic(path, '{}\n', { secret: true })
    } finally {
      process.umask(previous)
    }
    expectMode(path, 0o600)
  })

  test('not secret: an existing file keeps its exact mode, even one the umask would narrow', async () => {
    const path = join(freshDir(), 'config.toml')
    writeFileSync(path, 'a = 1\n')
    chmodSync(path, 0o664)
    await writeFileAtomic(path, 'a = 2\n')
    expectMode(path, 0o664)
  })

  test('a symlink is written through to its target and stays a link', async () => {
    const dir = freshDir()
    mkdirSync(join(dir, 'dotfiles'))
    const target = join(dir, 'dotfiles', 'config.toml')
    writeFileSync(target, 'a = 1\n')
    chmodSync(target, 0o640)
    const link = join(dir, 'config.toml')
    symlinkSync(target, link)
    await writeFileAtomic(link, 'a = 2\n')
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readlinkSync(link)).toBe(target)
    expect(readFileSync(target, 'utf8')).toBe('a = 2\n')
    expectMode(target, 0o640)
    // The temp file lived beside the target, and nothing is left behind.
    expect(readdirSync(dir).sort()).toEqual(['config.toml', 'dotfiles'])
    expect(readdirSync(join(dir, 'dotfiles'))).toEqual(['config.toml'])
  })

  test('a link whose target does not exist yet: the target is created beside it in its folder, and the link stays', async () => {
    const dir = freshDir()
    mkdirSync(join(dir, 'dotfiles'))
    const link = join(dir, 'config.toml')
    symlinkSync(join('dotfiles', 'codex.toml'), link) // relative, as `ln -s` often makes them
    await writeFileAtomic(link, 'a = 1\n')
    expect(readlinkSync(link)).toBe(join('dotfiles', 'codex.toml'))
    expect(readFileSync(join(dir, 'dotfiles', 'codex.toml'), 'utf8')).toBe('a = 1\n')
    expectMode(join(dir, 'dotfiles', 'codex.toml'), 0o644)
    expect(readdirSync(join(dir, 'dotfiles'))).toEqual(['codex.toml'])
    // Through a chain of links, only the last one's target is created.
    const chained = join(dir, 'chained.toml')
    symlinkSync(join(dir, 'middle.toml'), chained)
    symlinkSync(join(dir, 'dotfiles', 'other.toml'), join(dir, 'middle.toml'))
    await writeFileAtomic(chained, 'b = 2\n')
    expect(lstatSync(join(dir, 'middle.toml')).isSymbolicLink()).toBe(true)
    expect(readFileSync(join(dir, 'dotfiles', 'other.toml'), 'utf8')).toBe('b = 2\n')
  })

  test('a link into a folder that does not exist, or a loop of links, is refused and left as it is', async () => {
    const dir = freshDir()
    const link = join(dir, 'config.toml')
    const target = join(dir, 'dotfiles', 'codex.toml')
    symlinkSync(target, link)
    const write = (path: string) => Promise.resolve().then(() => writeFileAtomic(path, 'a = 1\n'))
    await expect(write(link)).rejects.toThrow(`${link} is a symbolic link to ${target}, whose folder ${join(dir, 'dotfiles')} does not exist`)
    expect(readlinkSync(link)).toBe(target)
    expect(existsSync(join(dir, 'dotfiles'))).toBe(false)
    const loop = join(dir, 'loop.toml')
    symlinkSync(join(dir, 'back.toml'), loop)
    symlinkSync(loop, join(dir, 'back.toml'))
    await expect(write(loop)).rejects.toThrow('leads round in a loop')
    expect(readlinkSync(loop)).toBe(join(dir, 'back.toml'))
  })

  test('stray temp files from a killed write are removed on the next write; fresh ones are left alone', async () => {
    const dir = freshDir()
    const path = join(dir, 'codex-shim.pid')
    const stale = `${path}.codex-shim-4242-1700000000000.tmp`
    const fresh = `${path}.codex-shim-4343-${Date.now()}.tmp`
    const unrelated = join(dir, 'other.codex-shim-1-1.tmp')
    for (const file of [stale, fresh, unrelated]) writeFileSync(file, 'half')
    const twoMinutesAgo = (Date.now() - 120_000) / 1000
    utimesSync(stale, twoMinutesAgo, twoMinutesAgo)
    utimesSync(unrelated, twoMinutesAgo, twoMinutesAgo)
    await writeFileAtomic(path, '{}\n', { mode: 0o600 })
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(fresh)).toBe(true) // may belong to a write in progress
    expect(existsSync(unrelated)).toBe(true) // not a sibling of this file
    expect(readFileSync(path, 'utf8')).toBe('{}\n')
  })

  test('a failed rename reports its own error and leaves no temporary file', async () => {
    const dir = freshDir()
    const path = join(dir, 'config.toml')
    mkdirSync(join(path, 'in the way'), { recursive: true }) // a non-empty folder where the file goes
    await expect(Promise.resolve().then(() => writeFileAtomic(path, 'a = 1\n'))).rejects.toThrow(/EISDIR|ENOTEMPTY|EEXIST|EPERM|EACCES/)
    expect(readdirSync(dir)).toEqual(['config.toml'])
  })
})

test('two writes to one file at once in one process (the proxy\'s) both land, one after the other', async () => {
  const dir = freshDir()
  const path = join(dir, 'catalog.json')
  await Promise.all([writeFileAtomicOffThread(path, 'first\n'), writeFileAtomicOffThread(path, 'second\n')])
  expect(['first\n', 'second\n']).toContain(readFileSync(path, 'utf8'))
  expect(readdirSync(dir)).toEqual(['catalog.json'])
})
