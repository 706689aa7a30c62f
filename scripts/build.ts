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
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve } from 'node:path'
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
  /** JavaScriptCore's tier-up thresholds scaled by this until the program resets it (1: normal). */
  jitPolicy?: number
  /** A profile from `recordStartOrder`: the bytecode a proxy start runs is laid out together. */
  bytecodeOrder?: string
}

/** Tier-up thresholds × this while the binary starts (Bun `compile.jitPolicy`). */
export const START_JIT_POLICY = 16

/**
 * The build's identity, embedded as CODEX_SHIM_BUILD_ID (src/version.ts): a
 * digest of every source file, the dependency lock and Bun's version, so two
 * binaries share it only when they run the same code. What the binary keeps
 * across runs for its own code (validated settings) is keyed by it.
 */
export function buildId(): string {
  const hash = createHash('sha256').update(`bun ${Bun.version}\0`)
  const files = [...new Bun.Glob('src/**/*').scanSync({ cwd: root })].map((path) => path.replaceAll('\\', '/')).sort()
  for (const path of [...files, 'package-lock.json']) hash.update(`${path}\0`).update(readFileSync(join(root, path))).update('\0')
  return hash.digest('hex').slice(0, 16)
}

/** Modules the proxy runs as workers (`new Worker(new URL(…, import.meta.url))`). */
const WORKER_ENTRIES = [join(root, 'src/usage/ledger-worker.ts')]

/** Compiles one binary; throws with Bun's own messages when the build fails. */
export async function compile(target: string, outfile: string, options: BuildOptions): Promise<void> {
  const failed = (messages: unknown[]) => new Error(`bun build --compile ${target} failed:\n${messages.map(String).join('\n')}`)
  // Bun.build throws an AggregateError on a parse or resolve error, and returns logs otherwise.
  const result = await Bun.build({
    // A worker's module is an entrypoint of its own in a compiled binary (Bun's documented way).
    entrypoints: options.entry ? [options.entry] : [join(root, 'src/cli.ts'), ...WORKER_ENTRIES],
    compile: {
      target,
      outfile,
      autoloadBunfig: false,
      autoloadDotenv: false,
      // Run-once start-up code (schemas, option merging, argument parsing) stays in the interpreter
      // instead of waking the JIT: compiling it costs time and maps the compilers' code. The proxy
      // restores the normal policy once it listens (daemon/foreground.ts).
      jitPolicy: options.jitPolicy ?? START_JIT_POLICY,
      ...(options.bytecodeOrder && options.bytecode !== false && { bytecodeOrder: options.bytecodeOrder }),
    },
    minify: true,
    sourcemap: 'none', // an embedded map only helps stack traces, which users never see without --verbose
    bytecode: options.bytecode ?? true,
    format: 'esm',
    // One chunk per lazily imported part: the binary loads (and maps) only what a command or
    // request reaches, so the proxy's start never reads the control page or the other commands.
    splitting: true,
    define: { CODEX_SHIM_VERSION: JSON.stringify(options.version), CODEX_SHIM_BUILD_ID: JSON.stringify(buildId()) },
  } as Parameters<typeof Bun.build>[0]).catch((error: unknown) => {
    throw failed((error as AggregateError).errors ?? [error])
  })
  // A bytecode failure is a log line on a "successful" build: treat every build message as fatal.
  const messages = result.logs.filter((entry) => entry.level === 'error' || String(entry).includes('Failed to generate bytecode'))
  if (!result.success || messages.length) throw failed(messages.length ? messages : result.logs)
}

/** Modules on the path: the CLI entry, what it imports to parse, and the commands that run the proxy. */
const PROXY_START_ROOTS = [/^src\/cli\.ts$/, /^src\/commands\/_foreground\.ts$/]
/** What a start with a settings file loads to parse it (settings/read.ts imports it then)... */
const SETTINGS_PARSER_ROOT = /^src\/settings\/parse\.ts$/
/** ...or, for a text this build validated before, to normalise it without the schemas. */
const VALIDATED_SETTINGS_ROOT = /^src\/settings\/parse-validated\.ts$/

export interface StartPath {
  /** Source files (relative to the repository) the proxy's process loads before it listens. */
  files: string[]
  /** node:/bun: modules those import at load (not a `require` inside a function, which loads only if it runs). */
  builtins: string[]
  /** Bytes of those chunks, and of the whole bundle. */
  bytes: number
  totalBytes: number
}

/**
 * What the proxy's process loads before it answers, from the bundle the binary
 * embeds: with `splitting` every dynamic import is a chunk loaded on first use,
 * so the path is the static-import closure of the chunks holding the roots.
 * `withSettings`: a start that has a settings file to parse, which also loads the parser;
 * `'validated'`: one whose file this build validated before, which loads only the normaliser.
 */
export async function proxyStartPath(version = packageJson.version, options: { withSettings?: boolean | 'validated' } = {}): Promise<StartPath> {
  const settingsRoot = options.withSettings === 'validated' ? [VALIDATED_SETTINGS_ROOT] : options.withSettings ? [SETTINGS_PARSER_ROOT] : []
  const roots = [...PROXY_START_ROOTS, ...settingsRoot]
  const result = await Bun.build({ entrypoints: [join(root, 'src/cli.ts')], target: 'bun', minify: true, format: 'esm', splitting: true, metafile: true, define: { CODEX_SHIM_VERSION: JSON.stringify(version) } })
  const meta = result.metafile!
  const fromRoot = (path: string) => relative(root, resolve(path)).replaceAll('\\', '/')
  const chunks = new Map(Object.entries(meta.outputs))
  const pending = [...chunks].filter(([, chunk]) => Object.keys(chunk.inputs).some((input) => roots.some((pattern) => pattern.test(fromRoot(input))))).map(([name]) => name)
  const loaded = new Set<string>()
  while (pending.length) {
    const name = pending.pop()!
    if (loaded.has(name)) continue
    loaded.add(name)
    for (const imported of chunks.get(name)?.imports ?? []) if (imported.kind === 'import-statement') pending.push(imported.path)
  }
  const inputs = [...loaded].flatMap((name) => Object.keys(chunks.get(name)!.inputs))
  // A builtin counts when it is imported: a `require` inside a function loads it only if that function runs.
  const builtins = inputs.flatMap((input) => (meta.inputs[input]?.imports ?? []).filter((entry) => entry.external && entry.kind === 'import-statement' && !entry.path.startsWith('.')).map((entry) => entry.path))
  const size = (names: Iterable<string>) => [...names].reduce((sum, name) => sum + (chunks.get(name)?.bytes ?? 0), 0)
  return { files: inputs.map(fromRoot).sort(), builtins: [...new Set(builtins)].sort(), bytes: size(loaded), totalBytes: size(chunks.keys()) }
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

/** A loopback port nothing listens on now (the OS picks it), for a binary to start on. */
export function freePort(): number {
  const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() })
  const port = probe.port!
  probe.stop(true)
  return port
}

/**
 * Runs a binary's proxy once (`start --foreground`) in `home` with these
 * settings until /health answers (15 s at most), then stops it with SIGTERM
 * and waits for it to exit: what leaves the files a start writes (a bytecode
 * order profile, the validated-settings note) for the caller to read.
 */
export async function startOnceWithSettings(binary: string, home: string, settings: string, env: Record<string, string> = {}): Promise<void> {
  mkdirSync(join(home, '.codex-shim'), { recursive: true })
  writeFileSync(join(home, '.codex-shim', 'models.json'), settings)
  const port = freePort()
  const child = Bun.spawn([binary, 'start', '--foreground', '--port', String(port)], {
    env: { ...process.env, HOME: home, CODEX_SHIM_HOME: join(home, '.codex-shim'), CODEX_HOME: join(home, '.codex'), CODEX_SHIM_LOG_LEVEL: 'warn', ...env },
    stdout: 'ignore',
    stderr: 'ignore',
  })
  const deadline = Date.now() + 15_000
  while (child.exitCode === null && Date.now() < deadline) {
    const healthy = await fetch(`http://127.0.0.1:${port}/health`).then((response) => response.ok, () => false)
    if (healthy) break
    await Bun.sleep(5)
  }
  child.kill('SIGTERM')
  await child.exited
}

/**
 * Profile for `compile.bytecodeOrder`: runs a binary's proxy (`start --foreground`,
 * fresh homes with a small models.json) until /health answers, with Bun recording which functions ran
 * (BUN_BYTECODE_ORDER_OUT). Built with it, those functions sit together at the
 * front of the bytecode, so a start reads and keeps mapped fewer pages. One
 * profile serves every target. Null when the binary would not start.
 */
export async function recordStartOrder(binary: string, scratch: string): Promise<string | null> {
  const profile = join(scratch, 'bytecode-order.txt')
  // With settings to parse, as most users start it: the parser's code is laid out with the rest.
  // The profile is written as the process exits.
  const settings = JSON.stringify({ models: [{ slug: 'chat', model: 'm', provider: 'generic-chat-completion-api', base_url: 'http://127.0.0.1:9/v1' }, { model: 'qwen3', provider: 'ollama' }], aliases: { fast: { slug: 'chat', reasoning_effort: 'low' } } })
  await startOnceWithSettings(binary, join(scratch, 'order-home'), settings, { BUN_BYTECODE_ORDER_OUT: profile })
  return existsSync(profile) ? profile : null
}

/** Builds the targets into `outdir` and writes their SHA256SUMS (`<hex>  <name>`, what sha256sum -c reads). */
export async function buildTargets(targets: readonly Target[], outdir: string, options: BuildOptions): Promise<Built[]> {
  mkdirSync(outdir, { recursive: true })
  const built: Built[] = []
  const scratch = mkdtempSync(join(tmpdir(), 'codex-shim-build-'))
  try {
    // With bytecode: a first host build records the start-up profile every target is then built with.
    const host = hostTarget()
    if (options.bytecode !== false && !options.bytecodeOrder && host) {
      await compile(host.target, join(scratch, host.name), options)
      const profile = await recordStartOrder(join(scratch, host.name), scratch)
      if (profile) options = { ...options, bytecodeOrder: profile }
    }
    await compileTargets(targets, outdir, options, built)
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  writeFileSync(join(outdir, 'SHA256SUMS'), built.map((entry) => `${entry.sha256}  ${entry.target.name}\n`).join(''))
  return built
}

async function compileTargets(targets: readonly Target[], outdir: string, options: BuildOptions, built: Built[]): Promise<void> {
  for (const target of targets) {
    const path = join(outdir, target.name)
    const started = performance.now()
    await compile(target.target, path, options)
    built.push({ target, path, bytes: statSync(path).size, sha256: sha256File(path), seconds: (performance.now() - started) / 1000 })
  }
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
