import { describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { archiveName, homebrewFormula, parseSha256Sums, scoopManifest } from '../../scripts/release-manifests.ts'
import { validate } from './json-schema.ts'

const fixtures = join(import.meta.dir, '../fixtures/release')
const sums = readFileSync(join(fixtures, 'SHA256SUMS'), 'utf8')
const scoopSchema = JSON.parse(readFileSync(join(fixtures, 'scoop-schema.json'), 'utf8'))

describe('SHA256SUMS', () => {
  test('reads text and binary-mode lines and rejects anything else', () => {
    expect(parseSha256Sums(`${'A'.repeat(64)}  a.tar.gz\n${'b'.repeat(64)} *b.zip\n\n`)).toEqual(new Map([['a.tar.gz', 'a'.repeat(64)], ['b.zip', 'b'.repeat(64)]]))
    expect(() => parseSha256Sums('abc  a.tar.gz\n')).toThrow('SHA256SUMS line 1 is not "<sha256>  <file>"')
  })

  test('archive names', () => {
    expect(archiveName('1.2.3', 'linux', 'x64')).toBe('codex-shim-1.2.3-linux-x64.tar.gz')
    expect(archiveName('1.2.3', 'windows', 'x64')).toBe('codex-shim-1.2.3-windows-x64.zip')
  })
})

describe('Homebrew formula', () => {
  const formula = homebrewFormula({ sums, version: '1.2.3', repo: 'acme/codex-shim' })

  test('one url and sha256 per OS and CPU, from the sums', () => {
    const expectBlock = (os: string, cpu: string, arch: string, digit: string) =>
      expect(formula).toMatch(new RegExp(`on_${os} do[\\s\\S]*?on_${cpu} do\\n      url "https://github.com/acme/codex-shim/releases/download/v1\\.2\\.3/codex-shim-1\\.2\\.3-${os === 'macos' ? 'darwin' : 'linux'}-${arch}\\.tar\\.gz"\\n      sha256 "${digit.repeat(64)}"\\n    end`))
    expectBlock('macos', 'arm', 'arm64', '4')
    expectBlock('macos', 'intel', 'x64', '3')
    expectBlock('linux', 'arm', 'arm64', '2')
    expectBlock('linux', 'intel', 'x64', '1')
    expect(formula).toContain('class CodexShim < Formula\n')
    expect(formula).toContain('  version "1.2.3"\n')
    expect(formula).toContain('    bin.install "codex-shim"\n')
    expect(formula).toContain('  test do\n    assert_match version.to_s, shell_output("#{bin}/codex-shim --version")\n  end\n')
  })

  test('is valid Ruby (ruby -c)', () => {
    // No skipping: ruby is part of this project's test toolchain.
    if (!Bun.which('ruby')) throw new Error('ruby is missing: install it with `apt-get install -y ruby` (or `brew install ruby`) and run the tests again.')
    const path = join(process.env.CODEX_SHIM_TEST_ROOT!, 'codex-shim.rb')
    writeFileSync(path, formula)
    const result = Bun.spawnSync(['ruby', '-c', path], { stdout: 'pipe', stderr: 'pipe' })
    expect(result.stderr.toString()).toBe('')
    expect(result.stdout.toString().trim()).toBe('Syntax OK') // \r\n on Windows
    // Control: ruby -c does catch a broken formula.
    writeFileSync(path, formula.replace('  end\n\n  on_linux do', '\n  on_linux do'))
    expect(Bun.spawnSync(['ruby', '-c', path], { stdout: 'pipe', stderr: 'pipe' }).exitCode).not.toBe(0)
  })

  test('a missing target is an error, not a formula with a hole', () => {
    const partial = sums.split('\n').filter((line) => !line.includes('darwin-x64')).join('\n')
    expect(() => homebrewFormula({ sums: partial, version: '1.2.3' })).toThrow('SHA256SUMS has no line for codex-shim-1.2.3-darwin-x64.tar.gz')
  })
})

describe('Scoop manifest', () => {
  const manifest = scoopManifest({ sums, version: '1.2.3', repo: 'acme/codex-shim' })

  test('points at the Windows zip with its hash, and autoupdates from SHA256SUMS', () => {
    expect(manifest).toEqual({
      version: '1.2.3',
      description: expect.any(String),
      homepage: 'https://github.com/acme/codex-shim',
      license: 'MIT',
      architecture: { '64bit': { url: 'https://github.com/acme/codex-shim/releases/download/v1.2.3/codex-shim-1.2.3-windows-x64.zip', hash: '5'.repeat(64) } },
      bin: 'codex-shim.exe',
      checkver: { github: 'https://github.com/acme/codex-shim' },
      autoupdate: {
        architecture: { '64bit': { url: 'https://github.com/acme/codex-shim/releases/download/v$version/codex-shim-$version-windows-x64.zip' } },
        hash: { url: 'https://github.com/acme/codex-shim/releases/download/v$version/SHA256SUMS', regex: '$sha256\\s+\\*?$basename' },
      },
    })
  })

  test("validates against Scoop's own schema.json", () => {
    expect(validate(scoopSchema, manifest)).toEqual([])
  })

  test('the schema checker is honest: it rejects manifests Scoop would reject', () => {
    expect(validate(scoopSchema, { ...manifest, bogus: 1 })).toContain('$.bogus: not allowed')
    const { version: _version, ...unversioned } = manifest
    expect(validate(scoopSchema, unversioned)).toContain('$: missing version')
    const badHash = { ...manifest, architecture: { '64bit': { url: 'https://x/y.zip', hash: 'not-a-hash' } } }
    expect(validate(scoopSchema, badHash).join('\n')).toContain('$.architecture.64bit.hash')
    expect(validate(scoopSchema, { ...manifest, checkver: 42 }).length).toBeGreaterThan(0)
  })
})
