import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import packageJson from '../../package.json' with { type: 'json' }
import { compile, TARGETS } from '../../scripts/build.ts'
import { extractChangelog, packArchive } from '../../scripts/release.ts'

const root = join(import.meta.dir, '../..')
const scratch = () => mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'release-'))

describe('changelog extract', () => {
  const changelog = '# Changelog\n\n## [Unreleased]\n\n## [1.1.0] - 2026-01-02\n\n### Fixed\n\n- a thing\n\n## [1.0.0]\n\n- first\n\n[1.1.0]: https://example.com/v1.1.0\n[1.0.0]: https://example.com/v1.0.0\n'

  test('takes one version section, without its link references', () => {
    expect(extractChangelog(changelog, '1.1.0')).toBe('### Fixed\n\n- a thing\n')
    expect(extractChangelog(changelog, '1.0.0')).toBe('- first\n')
  })

  test('a missing or empty section stops the release', () => {
    expect(() => extractChangelog(changelog, '2.0.0')).toThrow('CHANGELOG.md has no "## [2.0.0]" section; add one before releasing.')
    expect(() => extractChangelog(changelog, 'Unreleased')).toThrow('The CHANGELOG.md section for Unreleased is empty.')
    expect(() => extractChangelog(changelog, '1.1')).toThrow('no "## [1.1]" section') // 1.1 must not match 1.1.0
  })

  test("CHANGELOG.md has a section for package.json's version", () => {
    expect(extractChangelog(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), packageJson.version)).toContain('### Added')
  })
})

// Packing runs tar, gzip and zip, which Windows lacks (Git Bash has no zip, and its tar reads C:\ as a
// remote host); releases are packed on Linux (release.yml).
describe.skipIf(process.platform === 'win32')('archives', () => {
  function fakeBinary(): string {
    const path = join(scratch(), 'codex-shim-linux-x64')
    writeFileSync(path, '#!/bin/sh\necho 1.2.3\n')
    chmodSync(path, 0o644) // packing must make it executable regardless
    return path
  }

  // Linux packs with GNU tar, a Mac with bsdtar (its `tar`); both are checked wherever both are installed
  // (.ci/run installs bsdtar, Debian's libarchive-tools).
  const tars = ['tar', ...(Bun.which('bsdtar') && !Bun.spawnSync(['tar', '--version'], { stdout: 'pipe' }).stdout.toString().includes('bsdtar') ? ['bsdtar'] : [])]

  test.each(tars)('tar.gz holds an executable codex-shim and the license, owned by root, from 1970, at gzip -9 (%s)', (tar) => {
    const target = TARGETS.find((entry) => entry.name === 'codex-shim-linux-x64')!
    const archive = packArchive(fakeBinary(), target, '1.2.3', scratch(), tar)
    expect(basename(archive)).toBe('codex-shim-1.2.3-linux-x64.tar.gz')
    // Read with both listers' layouts in mind: GNU `0/0 … 1970-01-01`, bsdtar `0 0 … 1970`.
    const listing = Bun.spawnSync([tar, '-tzvf', archive], { stdout: 'pipe' }).stdout.toString().trim().split('\n')
    expect(listing).toHaveLength(2)
    expect(listing[0]).toMatch(/^-rwxr-xr-x +0(\/| +)0 .*1970.* codex-shim$/)
    expect(listing[1]).toMatch(/^-rw-r--r-- +0(\/| +)0 .*1970.* LICENSE$/)
    // gzip header byte 8 (XFL) is 2 when the maximum compression was used.
    expect(readFileSync(archive)[8]).toBe(2)
  })

  test.each(tars)('two packs of the same binary are byte-identical (no times or owners leak in) (%s)', (tar) => {
    const target = TARGETS.find((entry) => entry.name === 'codex-shim-linux-x64')!
    const binary = fakeBinary()
    const first = readFileSync(packArchive(binary, target, '1.2.3', scratch(), tar))
    const second = readFileSync(packArchive(binary, target, '1.2.3', scratch(), tar))
    expect(Buffer.compare(first, second)).toBe(0)
  })

  test('a tar that is neither GNU tar nor bsdtar is refused by name', () => {
    const target = TARGETS.find((entry) => entry.name === 'codex-shim-linux-x64')!
    expect(() => packArchive(fakeBinary(), target, '1.2.3', scratch(), 'true')).toThrow('true is neither GNU tar nor bsdtar')
  })

  test('the Windows zip holds codex-shim.exe and the license', () => {
    const target = TARGETS.find((entry) => entry.os === 'windows')!
    const archive = packArchive(fakeBinary(), target, '1.2.3', scratch())
    expect(basename(archive)).toBe('codex-shim-1.2.3-windows-x64.zip')
    const names = Bun.spawnSync(['unzip', '-Z1', archive], { stdout: 'pipe' }).stdout.toString().trim().split('\n')
    expect(names).toEqual(['codex-shim.exe', 'LICENSE'])
  })
})

describe('build', () => {
  test('a failing compile throws with Bun’s message instead of leaving a half-built binary', async () => {
    const dir = scratch()
    writeFileSync(join(dir, 'broken.ts'), 'export const = 1\n')
    await expect(compile('bun-linux-x64', join(dir, 'out'), { entry: join(dir, 'broken.ts'), version: '0.0.0' })).rejects.toThrow('bun build --compile bun-linux-x64 failed')
  })

  test('release.ts refuses a version that is not x.y.z, with exit 2', () => {
    const result = Bun.spawnSync([process.execPath, join(root, 'scripts/release.ts'), '--version', 'banana'], { stdout: 'pipe', stderr: 'pipe' })
    expect(result.exitCode).toBe(2)
    expect(result.stderr.toString()).toBe('--version expects x.y.z (a tag without its v), got "banana".\n')
  })
})
