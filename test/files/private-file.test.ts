import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writePrivateFile } from '../../src/private-file.ts'

describe('writePrivateFile: 0600 files on the start path, without node:fs', () => {
  test('writes that overlap each get 0600, and the umask comes back once the last one ends', async () => {
    if (process.platform === 'win32') return
    const dir = join(mkdtempSync(join(tmpdir(), 'codex-shim-private-')), 'nested')
    const umask = process.umask()
    const paths = Array.from({ length: 12 }, (_, index) => join(dir, `file-${index}`))
    await Promise.all(paths.map((path, index) => writePrivateFile(path, `text ${index}\n`)))
    expect(process.umask()).toBe(umask)
    for (const [index, path] of paths.entries()) {
      expect(readFileSync(path, 'utf8')).toBe(`text ${index}\n`)
      expect(statSync(path).mode & 0o777).toBe(0o600)
    }
    expect(statSync(dir).mode & 0o777).toBe(0o700)
  })

  test('a write that fails still gives the umask back', async () => {
    if (process.platform === 'win32') return
    const umask = process.umask()
    const blocker = join(mkdtempSync(join(tmpdir(), 'codex-shim-private-')), 'a-file')
    await writePrivateFile(blocker, 'x')
    await expect(writePrivateFile(join(blocker, 'below'), 'y')).rejects.toThrow()
    expect(process.umask()).toBe(umask)
  })
})
