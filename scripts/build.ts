#!/usr/bin/env bun
/**
 * Compiles the standalone binaries into dist/: one per platform, the version
 * embedded, and SHA256SUMS. `--single` builds the host target only,
 * `--measure` reports what the host binary is made of (Bun runtime vs our
 * bundle), `--no-bytecode` skips precompiled bytecode.
 * Autoloading .env and bunfig.toml is off so a user's project files cannot
 * change how the binary behaves.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import packageJson from '../package.json' with { type: 'json' }

export const TARGETS = [
  { target: 'bun-linux-x64', name: 'codex-shim-linux-x64', os: 'linux', arch: 'x64' },
  { target: 'bun-linux-arm64', name: 'codex-shim-linux-arm64', os: 'linux', arch: 'arm64' },
  { target: 'bun-darwin-x64', name: 'codex-shim-darwin-x64', os: 'darwin', arch: 'x64' },
  { target: 'bun-darwin-arm64', name: 'codex-shim-darwin-arm64', os: 'darwin', arch: 'arm64' },
  { target: 'bun-windows-x64', name: 'codex-shim-windows-x64.exe', os: 'windows', arch: 'x64' },
] as const

export type Target = (typeof TARGETS)[number]

const root = join(import.meta.dir, '..')

/** The target this machine can run: what `--single`, the smoke test and the start-up benchmark use. */
export function hostTarget(): Target | undefined {
  const os = process.platform === 'win32' ? 'windows' : process.platform
  return TARGETS.find((entry) => entry.os === os && entry.arch === process.arch)
}

export interface BuildOptions {
  entry?: string
  version: string
  /**
   * Parse-free start: JavaScriptCore bytecode made at build time. It needs
   * `format: 'esm'` for an ES-module entry; without it Bun 1.4.5 prints
   * "Failed to generate bytecode" (it assumes CommonJS, where
   * `import.meta` and top-level await are invalid) yet reports success.
   */
  bytecode?: boolean
}

/** Compiles one binary; throws with Bun's own messages when the build fails. */
export async function compile(target: string, outfile: string, options: BuildOptions): Promise<void> {
  const failed = (messages: unknown[]) => new Error(`bun build --compile ${target} failed:\n${messages.map(String).join('\n')}`)
  // Bun.build throws an AggregateError on a parse or resolve error, and returns logs otherwise.
  const result = await Bun.build({
    entrypoints: [options.entry ?? join(root, 'src/cli.ts')],
    compile: { target, outfile, autoloadBunfig: false, autoloadDotenv: false },
    minify: true,
    sourcemap: 'none', // an embedded map only helps stack traces, which users never see without --verbose
    bytecode: options.bytecode ?? true,
    format: 'esm',
    define: { CODEX_SHIM_VERSION: JSON.stringify(options.version) },
  } as Parameters<typeof Bun.build>[0]).catch((error: unknown) => {
    throw failed((error as AggregateError).errors ?? [error])
  })
  // A bytecode failure is a log line on a "successful" build: treat every build message as fatal.
  const messages = result.logs.filter((entry) => entry.level === 'error' || String(entry).includes('Failed to generate bytecode'))
  if (!result.success || messages.length) throw failed(messages.length ? messages : result.logs)
}

export interface Built {
  target: Target
  path: string
  bytes: number
  sha256: string
  seconds: number
}

export function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex')
}

/** Builds the targets into `outdir` and writes their SHA256SUMS (`<hex>  <name>`, what sha256sum -c reads). */
export async function buildTargets(targets: readonly Target[], outdir: string, options: BuildOptions): Promise<Built[]> {
  mkdirSync(outdir, { recursive: true })
  const built: Built[] = []
  for (const target of targets) {
    const path = join(outdir, target.name)
    const started = performance.now()
    await compile(target.target, path, options)
    built.push({ target, path, bytes: statSync(path).size, sha256: sha256File(path), seconds: (performance.now() - started) / 1000 })
  }
  writeFileSync(join(outdir, 'SHA256SUMS'), built.map((entry) => `${entry.sha256}  ${entry.target.name}\n`).join(''))
  return built
}

export const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`

/**
 * What the host binary is made of: the same compile of an empty entry is
 * the Bun runtime alone; the rest is our bundle (and its bytecode).
 */
export async function measureComposition(version: string): Promise<Record<string, number>> {
  const host = hostTarget()
  if (!host) throw new Error(`No build target for ${process.platform}-${process.arch}.`)
  const scratch = mkdtempSync(join(tmpdir(), 'codex-shim-measure-'))
  try {
    const empty = join(scratch, 'empty.ts')
    writeFileSync(empty, 'export {}\n')
    const sizes: Record<string, number> = {}
    await compile(host.target, join(scratch, 'runtime-only'), { entry: empty, version, bytecode: false })
    sizes.runtime_only = statSync(join(scratch, 'runtime-only')).size
    await compile(host.target, join(scratch, 'plain'), { version, bytecode: false })
    sizes.binary_without_bytecode = statSync(join(scratch, 'plain')).size
    await compile(host.target, join(scratch, 'bytecode'), { version, bytecode: true })
    sizes.binary_with_bytecode = statSync(join(scratch, 'bytecode')).size
    const bundle = await Bun.build({ entrypoints: [join(root, 'src/cli.ts')], outdir: join(scratch, 'bundle'), target: 'bun', minify: true, format: 'esm', define: { CODEX_SHIM_VERSION: JSON.stringify(version) } })
    sizes.bundle_js = bundle.outputs.reduce((sum, output) => sum + output.size, 0)
    return sizes
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
}

if (import.meta.main) {
  const argv = process.argv.slice(2)
  const outdirFlag = argv.indexOf('--outdir')
  const dist = outdirFlag !== -1 && argv[outdirFlag + 1] ? argv[outdirFlag + 1]! : join(root, 'dist')
  const version = process.env.CODEX_SHIM_VERSION ?? packageJson.version
  const bytecode = !argv.includes('--no-bytecode')

  if (argv.includes('--measure')) {
    const sizes = await measureComposition(version)
    for (const [name, bytes] of Object.entries(sizes)) console.log(`${name.padEnd(24)} ${mebibytes(bytes).padStart(10)}  (${bytes} bytes)`)
    console.log(`ours in the binary: ${mebibytes(sizes.binary_with_bytecode! - sizes.runtime_only!)} (${(((sizes.binary_with_bytecode! - sizes.runtime_only!) / sizes.binary_with_bytecode!) * 100).toFixed(1)} %)`)
    console.log(JSON.stringify({ composition: sizes }))
    process.exit(0)
  }

  const host = hostTarget()
  const targets = argv.includes('--single') ? (host ? [host] : []) : TARGETS
  if (!targets.length) {
    console.error(`No build target for this host (${process.platform}-${process.arch}).`)
    process.exit(1)
  }
  try {
    for (const entry of await buildTargets(targets, dist, { version, bytecode })) {
      console.log(`built ${entry.target.name} (${entry.target.target}) ${mebibytes(entry.bytes)} in ${entry.seconds.toFixed(1)} s`)
    }
  } catch (error) {
    console.error((error as Error).message)
    process.exit(1)
  }
  console.log(`codex-shim ${version}: ${targets.length} binary(ies) and SHA256SUMS in ${dist}`)
}
