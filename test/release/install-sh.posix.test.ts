import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fakeArchive, sha256, startFakeRelease, type FakeRelease } from './fake-release-server.ts'

const installSh = join(import.meta.dir, '../../install.sh')

/** `sh install.sh` as a user would pipe it, with our overrides; async so the fake server can answer. */
async function install(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string; dir: string }> {
  const home = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'install-home-'))
  const dir = join(home, 'bin')
  const child = Bun.spawn(['sh', installSh], {
    env: { PATH: process.env.PATH!, HOME: home, SHELL: '/bin/bash', CODEX_SHIM_INSTALL_DIR: dir, CODEX_SHIM_OS: 'linux', CODEX_SHIM_ARCH: 'x64', ...env },
    stdout: 'pipe',
    stderr: 'pipe',
  })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { code, stdout, stderr, dir }
}

describe('install.sh against a local release server', () => {
  let release: FakeRelease
  beforeAll(() => {
    const good = fakeArchive('9.9.9')
    const mac = fakeArchive('9.9.9')
    const tampered = fakeArchive('6.6.6')
    // What a glibc build is on Alpine (musl): the kernel finds no such program loader, so exec fails.
    const cannotRun = fakeArchive('9.9.7', '#!/lib/ld-musl-x86_64-missing.so.1\n')
    release = startFakeRelease({
      '9.9.9': {
        'codex-shim-9.9.9-linux-x64.tar.gz': good,
        'codex-shim-9.9.9-darwin-arm64.tar.gz': mac,
        SHA256SUMS: `${sha256(good)}  codex-shim-9.9.9-linux-x64.tar.gz\n${sha256(mac)}  codex-shim-9.9.9-darwin-arm64.tar.gz\n${'0'.repeat(64)}  codex-shim-9.9.9-windows-x64.zip\n`,
      },
      // The sums say one thing, the archive served is another: a corrupted or tampered download.
      '9.9.8': { 'codex-shim-9.9.8-linux-x64.tar.gz': tampered, SHA256SUMS: `${sha256(good)}  codex-shim-9.9.8-linux-x64.tar.gz\n` },
      '9.9.7': { 'codex-shim-9.9.7-linux-x64.tar.gz': cannotRun, SHA256SUMS: `${sha256(cannotRun)}  codex-shim-9.9.7-linux-x64.tar.gz\n` },
    }, '9.9.9')
  })
  afterAll(() => release.stop())

  test('latest: downloads, verifies, installs an executable that runs, and says how to add it to PATH', async () => {
    const result = await install({ CODEX_SHIM_DOWNLOAD_BASE: release.base })
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    const binary = join(result.dir, 'codex-shim')
    expect(statSync(binary).mode & 0o777).toBe(0o755)
    expect(Bun.spawnSync([binary, '--version']).stdout.toString()).toBe('9.9.9\n')
    expect(readdirSync(result.dir)).toEqual(['codex-shim']) // no partial file left behind
    expect(result.stdout).toContain(`installed codex-shim 9.9.9 to ${binary}`)
    expect(result.stdout).toContain(`is not on your PATH. Add it, then open a new terminal:\n  echo 'export PATH="${result.dir}:$PATH"' >> ~/.bashrc`)
    expect(release.requests.slice(-3)).toEqual(['/releases/latest/download/VERSION', '/releases/download/v9.9.9/SHA256SUMS', '/releases/download/v9.9.9/codex-shim-9.9.9-linux-x64.tar.gz'])
  })

  test('a pinned version (v prefix accepted) into a folder already on PATH', async () => {
    const home = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'install-onpath-'))
    const result = await install({ CODEX_SHIM_DOWNLOAD_BASE: `${release.base}/`, CODEX_SHIM_VERSION: 'v9.9.9', CODEX_SHIM_OS: 'darwin', CODEX_SHIM_ARCH: 'arm64', CODEX_SHIM_INSTALL_DIR: home, PATH: `${home}:${process.env.PATH}` })
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('run: codex-shim start')
    expect(existsSync(join(home, 'codex-shim'))).toBe(true)
    expect(release.requests.at(-1)).toBe('/releases/download/v9.9.9/codex-shim-9.9.9-darwin-arm64.tar.gz')
  })

  test('a wrong checksum is refused and nothing is installed', async () => {
    const result = await install({ CODEX_SHIM_DOWNLOAD_BASE: release.base, CODEX_SHIM_VERSION: '9.9.8' })
    expect(result.code).toBe(1)
    expect(result.stderr).toMatch(/^codex-shim install: checksum mismatch for codex-shim-9\.9\.8-linux-x64\.tar\.gz \(expected [0-9a-f]{64}, got [0-9a-f]{64}\): refusing to install\./)
    expect(existsSync(result.dir)).toBe(false)
  })

  test('an architecture the release lacks gets a clear message naming what exists', async () => {
    const result = await install({ CODEX_SHIM_DOWNLOAD_BASE: release.base, CODEX_SHIM_ARCH: 'riscv64' })
    expect(result.code).toBe(1)
    expect(result.stderr).toBe('codex-shim install: codex-shim 9.9.9 has no build for linux-riscv64 (available: linux-x64 darwin-arm64). Build from source with bun instead (see the README).\n')
    expect(existsSync(result.dir)).toBe(false)
  })

  test('no network (server down): a clear message and a non-zero exit', async () => {
    const down = startFakeRelease({}, '1.0.0')
    down.stop()
    const result = await install({ CODEX_SHIM_DOWNLOAD_BASE: down.base })
    expect(result.code).not.toBe(0)
    expect(result.stderr).toContain(`codex-shim install: could not reach ${down.base} to find the latest version. Check your network (or CODEX_SHIM_DOWNLOAD_BASE), or set CODEX_SHIM_VERSION.`)
    const pinned = await install({ CODEX_SHIM_DOWNLOAD_BASE: down.base, CODEX_SHIM_VERSION: '9.9.9' })
    expect(pinned.code).not.toBe(0)
    expect(pinned.stderr).toContain(`could not download ${down.base}/download/v9.9.9/SHA256SUMS. Check your network and that version 9.9.9 exists.`)
    expect(existsSync(pinned.dir)).toBe(false)
  })

  test('a binary that cannot run here (musl libc, another CPU) is refused, and the installed one is kept', async () => {
    const home = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'install-norun-'))
    const dir = join(home, 'bin')
    mkdirSync(dir)
    writeFileSync(join(dir, 'codex-shim'), '#!/bin/sh\necho 9.9.0\n')
    chmodSync(join(dir, 'codex-shim'), 0o755)
    const result = await install({ CODEX_SHIM_DOWNLOAD_BASE: release.base, CODEX_SHIM_VERSION: '9.9.7', CODEX_SHIM_INSTALL_DIR: dir })
    expect(result.code).toBe(1)
    expect(result.stdout).not.toContain('installed codex-shim')
    expect(result.stderr).toContain('codex-shim install: the linux-x64 build of codex-shim 9.9.7 does not run on this machine')
    expect(result.stderr).toContain('musl')
    expect(readdirSync(dir)).toEqual(['codex-shim'])
    expect(Bun.spawnSync([join(dir, 'codex-shim'), '--version']).stdout.toString()).toBe('9.9.0\n')
  })

  test('a copy cut short (disk full) leaves no partial file in the install folder', async () => {
    const home = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'install-full-'))
    const dir = join(home, 'bin')
    const fakes = join(home, 'fakes')
    mkdirSync(fakes)
    // cp that writes part of the file and fails, as it does when the disk fills up.
    writeFileSync(join(fakes, 'cp'), '#!/bin/sh\nprintf half > "$2"\necho "cp: error writing \'$2\': No space left on device" >&2\nexit 1\n')
    chmodSync(join(fakes, 'cp'), 0o755)
    const result = await install({ CODEX_SHIM_DOWNLOAD_BASE: release.base, CODEX_SHIM_VERSION: '9.9.9', CODEX_SHIM_INSTALL_DIR: dir, PATH: `${fakes}:${process.env.PATH}` })
    expect(result.code).not.toBe(0)
    expect(readdirSync(dir)).toEqual([])
  })

  test('the PATH hint names the file a new terminal of that shell reads, and quotes the folder', async () => {
    const spaced = (home: string) => join(home, 'my tools')
    const hint = async (shell: string, os = 'linux', bashProfile = false) => {
      const home = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'install-hint-'))
      if (bashProfile) writeFileSync(join(home, '.bash_profile'), '')
      const result = await install({ CODEX_SHIM_DOWNLOAD_BASE: release.base, CODEX_SHIM_VERSION: '9.9.9', SHELL: shell, CODEX_SHIM_OS: os, CODEX_SHIM_ARCH: os === 'darwin' ? 'arm64' : 'x64', CODEX_SHIM_INSTALL_DIR: spaced(home), HOME: home })
      expect(result.code).toBe(0)
      return { out: result.stdout, dir: spaced(home) }
    }
    // A terminal on Linux starts an interactive bash that is not a login shell: it reads ~/.bashrc, not ~/.profile.
    const bash = await hint('/bin/bash')
    expect(bash.out).toContain(`  echo 'export PATH="${bash.dir}:$PATH"' >> ~/.bashrc\n`)
    // Terminal.app starts a login bash, which reads ~/.bash_profile, or ~/.profile when there is none.
    const macBash = await hint('/bin/bash', 'darwin', true)
    expect(macBash.out).toContain(`  echo 'export PATH="${macBash.dir}:$PATH"' >> ~/.bash_profile\n`)
    const macBashPlain = await hint('/bin/bash', 'darwin')
    expect(macBashPlain.out).toContain(`  echo 'export PATH="${macBashPlain.dir}:$PATH"' >> ~/.profile\n`)
    const zsh = await hint('/usr/bin/zsh')
    expect(zsh.out).toContain(`  echo 'export PATH="${zsh.dir}:$PATH"' >> ~/.zshrc\n`)
    // fish splits an unquoted path with a space into two paths.
    const fish = await hint('/usr/bin/fish')
    expect(fish.out).toContain(`  fish_add_path '${fish.dir}'\n`)
    const other = await hint('/bin/dash')
    expect(other.out).toContain(`  echo 'export PATH="${other.dir}:$PATH"' >> ~/.profile\n`)
  })

  test('install.sh is POSIX sh: dash parses it, and shellcheck passes when installed', () => {
    expect(Bun.spawnSync(['sh', '-n', installSh]).exitCode).toBe(0)
    if (Bun.which('shellcheck')) {
      const lint = Bun.spawnSync(['shellcheck', '--shell=sh', installSh], { stdout: 'pipe' })
      expect(lint.stdout.toString()).toBe('')
      expect(lint.exitCode).toBe(0)
    }
  })
})
