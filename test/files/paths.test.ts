import { describe, expect, test } from 'bun:test'
import path from 'node:path'
import { joinPath, resolvePath, type PathFlavor } from '../../src/paths.ts'

// The shortcut must give exactly node:path's answer, on both platforms' rules, or not be taken.
const PIECES: Record<PathFlavor, string[]> = {
  posix: ['/', 'home', 'me', '.codex', 'a b', '.', '..', '//', 'x.', 'C:', '\\', '...'],
  win32: ['C:\\', 'c:\\', 'Users', 'me', '.codex', '\\', '/', '.', '..', '\\\\', 'a b', 'x.', 'x ', 'D:', ':', '\\\\?\\', 'server'],
}

/** A seeded generator, so a failure reproduces. */
function randomPaths(flavor: PathFlavor, count: number): string[] {
  let seed = 17
  const next = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n)
  const pieces = PIECES[flavor]
  const separator = flavor === 'win32' ? '\\' : '/'
  return Array.from({ length: count }, () => {
    // Half are built to look like a home directory, so the shortcut is exercised as often as the fallback.
    const parts = Array.from({ length: 1 + next(5) }, () => pieces[next(pieces.length)]!)
    return next(2) ? (flavor === 'win32' ? 'C:' : '') + separator + parts.join(separator) : parts.join('')
  })
}

describe('paths without node:path on the start path', () => {
  for (const flavor of ['posix', 'win32'] as const) {
    const nodePath = path[flavor]

    test(`${flavor}: join(dir, name) and resolve(dir) are node:path's, for normal and odd directories alike`, () => {
      const names = ['.codex-shim', 'models.json', 'codex-shim.pid', '..', '.', 'a/b', 'a\\b', '']
      const dirs = randomPaths(flavor, 3000)
      // Enough of them already normal and absolute, where the shortcut answers without node:path.
      expect(dirs.filter((dir) => nodePath.isAbsolute(dir) && nodePath.normalize(dir) === dir).length).toBeGreaterThan(300)
      for (const dir of dirs) {
        for (const name of names) expect(`${dir} + ${name} → ${joinPath(dir, name, flavor)}`).toBe(`${dir} + ${name} → ${nodePath.join(dir, name)}`)
        expect(`${dir} → ${resolvePath(dir, flavor)}`).toBe(`${dir} → ${nodePath.resolve(dir)}`)
      }
    })
  }

  test('the usual homes take the shortcut and give the usual answers', () => {
    expect(joinPath('/home/me', '.codex-shim', 'posix')).toBe('/home/me/.codex-shim')
    expect(joinPath('/', '.codex', 'posix')).toBe('/.codex')
    expect(joinPath('C:\\Users\\me', '.codex-shim', 'win32')).toBe('C:\\Users\\me\\.codex-shim')
    expect(resolvePath('/tmp/shim', 'posix')).toBe('/tmp/shim')
    expect(resolvePath('relative/shim', 'posix')).toBe(path.posix.resolve('relative/shim'))
  })
})
