import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const ciRun = join(import.meta.dir, '../../.ci/run')

/**
 * `.ci/run` on a fresh Debian as root, up to `npm install`: a PATH holding only bash and the few
 * commands the script itself runs, a fake `apt-get` that records what it is asked to install, and
 * an `npm` that stops the run there. Returns the packages installed.
 */
function packagesOnFreshDebian(): string[] {
  const sandbox = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'ci-run-'))
  const bin = join(sandbox, 'bin')
  const record = join(sandbox, 'apt.log')
  Bun.spawnSync(['mkdir', bin])
  for (const tool of ['bash', 'dirname']) symlinkSync(Bun.which(tool)!, join(bin, tool))
  const fake = (name: string, body: string) => {
    writeFileSync(join(bin, name), `#!${Bun.which('bash')}\n${body}\n`)
    chmodSync(join(bin, name), 0o755)
  }
  fake('uname', 'echo Linux')
  fake('id', 'echo 0')
  fake('apt-get', `echo "$*" >> '${record}'`)
  fake('npm', 'exit 42')
  const result = Bun.spawnSync([join(bin, 'bash'), ciRun], { env: { PATH: bin, HOME: sandbox }, stdout: 'pipe', stderr: 'pipe' })
  expect(result.exitCode).toBe(42) // reached npm install
  const installs = readFileSync(record, 'utf8').split('\n').filter((line) => line.startsWith('install '))
  return installs.flatMap((line) => line.split(' ').slice(1).filter((word) => !word.startsWith('-')))
}

describe('.ci/run on a fresh Debian machine (root, nothing but the base system)', () => {
  test('installs every system tool the Linux tests and the smoke test run', () => {
    const packages = packagesOnFreshDebian()
    // strace, ruby -c, bsdtar (release archives); systemd-analyze (service units); zip and unzip
    // (the Windows archive); curl (install.sh's download, scripts/smoke.sh); ps (process states).
    for (const name of ['strace', 'ruby', 'libarchive-tools', 'systemd', 'zip', 'unzip', 'curl', 'procps']) expect(packages).toContain(name)
  })
})
