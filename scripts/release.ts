#!/usr/bin/env bun
/**
 * The release, locally and in .github/workflows/release.yml, without publishing:
 * build the five binaries, smoke-test the one this machine runs, pack
 * `codex-shim-<version>-<os>-<arch>.tar.gz` (`.zip` for Windows), write
 * SHA256SUMS, the Homebrew formula, the Scoop manifest and the release notes
 * (this version's CHANGELOG.md section) into dist/release/.
 *
 *   bun scripts/release.ts --version 0.1.0 [--repo owner/name]
 *   bun scripts/release.ts --version 0.1.0 --from dist/bin   # pack binaries built (and signed) elsewhere
 *   bun scripts/release.ts --version 0.1.0 --smoke dist/bin/codex-shim-darwin-arm64
 */
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import packageJson from '../package.json' with { type: 'json' }
import { buildTargets, freePort, hostTarget, mebibytes, sha256File, TARGETS, type Target } from './build.ts'
import { archiveName, DEFAULT_REPO, homebrewFormula, scoopManifest } from './release-manifests.ts'

const root = join(import.meta.dir, '..')

/** The body of `## [<version>]` (or `## <version>`, `## v<version>`) in a Keep a Changelog file. */
export function extractChangelog(changelog: string, version: string): string {
  const lines = changelog.split(/\r?\n/)
  const escaped = version.replace(/[.+]/g, '\\$&')
  const heading = new RegExp(`^## \\[?v?${escaped}\\]?(\\s|$)`)
  const start = lines.findIndex((line) => heading.test(line))
  if (start === -1) throw new Error(`CHANGELOG.md has no "## [${version}]" section; add one before releasing.`)
  const end = lines.findIndex((line, index) => index > start && /^## /.test(line))
  const body = lines.slice(start + 1, end === -1 ? undefined : end).join('\n').replace(/^\[[^\]]+\]: .*$/gm, '').trim()
  if (!body) throw new Error(`The CHANGELOG.md section for ${version} is empty.`)
  return `${body}\n`
}

function run(argv: string[], options: { cwd?: string } = {}): void {
  const result = Bun.spawnSync(argv, { cwd: options.cwd, stdout: 'pipe', stderr: 'pipe' })
  if (result.exitCode !== 0) throw new Error(`${argv.join(' ')} failed (exit ${result.exitCode}): ${result.stderr.toString().trim()}`)
}

/**
 * One archive per target holding `codex-shim` (`codex-shim.exe`) and the
 * license, compressed as hard as each format allows (gzip -9, zip -9).
 * Owner and times are normalised so a rebuild packs the same bytes.
 */
export function packArchive(binary: string, target: Target, version: string, outdir: string, tar = 'tar'): string {
  const stage = mkdtempSync(join(tmpdir(), 'codex-shim-pack-'))
  try {
    const executable = target.os === 'windows' ? 'codex-shim.exe' : 'codex-shim'
    copyFileSync(binary, join(stage, executable))
    copyFileSync(join(root, 'LICENSE'), join(stage, 'LICENSE'))
    chmodSync(join(stage, executable), 0o755)
    chmodSync(join(stage, 'LICENSE'), 0o644) // not whatever the umask left
    // Times from the files themselves (GNU tar's --mtime has no bsdtar spelling).
    for (const name of [executable, 'LICENSE']) utimesSync(join(stage, name), 0, 0)
    const archive = join(outdir, archiveName(version, target.os, target.arch))
    rmSync(archive, { force: true })
    if (target.os === 'windows') {
      run(['zip', '-9', '-X', '-q', archive, executable, 'LICENSE'], { cwd: stage })
    } else {
      const plain = join(stage, 'archive.tar')
      run([tar, ...tarOwnerFlags(tar), '-cf', plain, executable, 'LICENSE'], { cwd: stage })
      run(['gzip', '-9', '-n', plain])
      copyFileSync(`${plain}.gz`, archive)
    }
    return archive
  } finally {
    rmSync(stage, { recursive: true, force: true })
  }
}

/**
 * Root as every entry's owner, by number only, and nothing of the packing machine's (macOS
 * metadata): GNU tar (Linux) and bsdtar (macOS's `tar`) spell that differently.
 */
function tarOwnerFlags(tar: string): string[] {
  const version = Bun.spawnSync([tar, '--version'], { stdout: 'pipe', stderr: 'pipe' }).stdout.toString()
  if (version.includes('GNU tar')) return ['--owner=0', '--group=0', '--numeric-owner']
  if (version.includes('bsdtar')) return ['--format', 'ustar', '--uid', '0', '--gid', '0', '--uname', '', '--gname', '', '--numeric-owner', '--no-mac-metadata']
  throw new Error(`${tar} is neither GNU tar nor bsdtar (\`${tar} --version\` says ${JSON.stringify(version.split('\n')[0] ?? '')}); install one of them to pack the release.`)
}

/** What a user meets first: `--version`, `start`, a healthy `/health`, `stop`; in an empty home. */
export async function smokeBinary(binary: string, version: string): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'codex-shim-smoke-'))
  const env = { ...process.env, HOME: home, USERPROFILE: home, CODEX_SHIM_HOME: join(home, '.codex-shim'), CODEX_HOME: join(home, '.codex') }
  const cli = (...args: string[]) => {
    const result = Bun.spawnSync([binary, ...args], { env, stdout: 'pipe', stderr: 'pipe', timeout: 60_000 })
    return { code: result.exitCode, output: `${result.stdout.toString()}${result.stderr.toString()}`.trim() }
  }
  try {
    const shown = cli('--version')
    if (shown.code !== 0 || shown.output !== version) throw new Error(`${basename(binary)} --version printed ${JSON.stringify(shown.output)} (exit ${shown.code}), expected ${version}`)
    const port = freePort()
    const started = cli('start', '--port', String(port))
    if (started.code !== 0) throw new Error(`${basename(binary)} start failed (exit ${started.code}): ${started.output}`)
    try {
      const health = (await (await fetch(`http://127.0.0.1:${port}/health`)).json()) as { name?: string; version?: string }
      if (health.name !== 'codex-shim' || health.version !== version) throw new Error(`/health answered ${JSON.stringify(health)}`)
    } finally {
      const stopped = cli('stop')
      if (stopped.code !== 0) throw new Error(`${basename(binary)} stop failed (exit ${stopped.code}): ${stopped.output}`)
    }
    console.log(`smoke ok: ${basename(binary)} --version, start, /health, stop`)
  } finally {
    rmSync(home, { recursive: true, force: true })
  }
}

interface ReleaseOptions {
  version: string
  repo: string
  /** Binaries already built (and, for macOS, signed) elsewhere; else build them here. */
  from?: string
  outdir: string
  smoke: boolean
}

export async function prepareRelease(options: ReleaseOptions): Promise<{ assets: string[] }> {
  const { version, repo, outdir } = options
  const notes = extractChangelog(readFileSync(join(root, 'CHANGELOG.md'), 'utf8'), version) // fail before an expensive build
  rmSync(outdir, { recursive: true, force: true })
  const binaries = options.from ? resolve(options.from) : join(outdir, 'bin')
  mkdirSync(outdir, { recursive: true })
  if (!options.from) {
    for (const built of await buildTargets(TARGETS, binaries, { version })) console.log(`built ${built.target.name}: ${mebibytes(built.bytes)}`)
  }
  const host = hostTarget()
  if (options.smoke && host && existsSync(join(binaries, host.name))) await smokeBinary(join(binaries, host.name), version)

  const archives: string[] = []
  for (const target of TARGETS) {
    const binary = join(binaries, target.name)
    if (!existsSync(binary)) throw new Error(`Missing ${binary}: build every target before packing.`)
    const archive = packArchive(binary, target, version, outdir)
    archives.push(archive)
    console.log(`packed ${basename(archive)}: binary ${mebibytes(statSync(binary).size)}, archive ${mebibytes(statSync(archive).size)}`)
  }
  for (const script of ['install.sh', 'install.ps1']) copyFileSync(join(root, script), join(outdir, script))
  // install.sh asks …/releases/latest/download/VERSION which release is newest.
  writeFileSync(join(outdir, 'VERSION'), `${version}\n`)
  const checked = [...archives, join(outdir, 'install.sh'), join(outdir, 'install.ps1')]
  const sums = checked.map((path) => `${sha256File(path)}  ${basename(path)}\n`).join('')
  writeFileSync(join(outdir, 'SHA256SUMS'), sums)
  writeFileSync(join(outdir, 'codex-shim.rb'), homebrewFormula({ sums, version, repo }))
  writeFileSync(join(outdir, 'codex-shim.json'), `${JSON.stringify(scoopManifest({ sums, version, repo }), null, 2)}\n`)
  writeFileSync(join(outdir, 'RELEASE_NOTES.md'), notes)
  if (!options.from) rmSync(binaries, { recursive: true, force: true }) // the archives are the assets
  return { assets: [...checked, join(outdir, 'VERSION'), join(outdir, 'SHA256SUMS'), join(outdir, 'codex-shim.rb'), join(outdir, 'codex-shim.json'), join(outdir, 'RELEASE_NOTES.md')] }
}

if (import.meta.main) {
  const argv = process.argv.slice(2)
  const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
  const version = (option('--version') ?? packageJson.version).replace(/^v/, '')
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(version)) {
    console.error(`--version expects x.y.z (a tag without its v), got "${version}".`)
    process.exit(2)
  }
  try {
    const smoke = option('--smoke')
    if (smoke) {
      await smokeBinary(resolve(smoke), version)
    } else {
      const outdir = resolve(option('--outdir') ?? join(root, 'dist', 'release'))
      const { assets } = await prepareRelease({ version, repo: option('--repo') ?? DEFAULT_REPO, from: option('--from'), outdir, smoke: !argv.includes('--no-smoke') })
      console.log(`codex-shim ${version}: ${assets.length} release files in ${outdir} (not published)`)
    }
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
}
