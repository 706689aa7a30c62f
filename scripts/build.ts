#!/usr/bin/env bun
/**
 * Compiles the standalone binaries into dist/: one per platform, the version
 * embedded, and SHA256SUMS. `--single` builds the host target only.
 * Autoloading .env and bunfig.toml is off so a user's project files cannot
 * change how the binary behaves.
 */
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import packageJson from '../package.json' with { type: 'json' }

const TARGETS = [
  { target: 'bun-linux-x64', name: 'codex-shim-linux-x64' },
  { target: 'bun-linux-arm64', name: 'codex-shim-linux-arm64' },
  { target: 'bun-darwin-x64', name: 'codex-shim-darwin-x64' },
  { target: 'bun-darwin-arm64', name: 'codex-shim-darwin-arm64' },
  { target: 'bun-windows-x64', name: 'codex-shim-windows-x64.exe' },
] as const

const root = join(import.meta.dir, '..')
const outdirFlag = process.argv.indexOf('--outdir')
const dist = outdirFlag !== -1 && process.argv[outdirFlag + 1] ? process.argv[outdirFlag + 1]! : join(root, 'dist')
const single = process.argv.includes('--single')
const version = process.env.CODEX_SHIM_VERSION ?? packageJson.version
const host = `bun-${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`
const targets = single ? TARGETS.filter((entry) => entry.target === host) : TARGETS
if (!targets.length) throw new Error(`No build target for this host (${host}).`)

mkdirSync(dist, { recursive: true })
const sums: string[] = []
for (const { target, name } of targets) {
  const outfile = join(dist, name)
  const started = performance.now()
  const result = await Bun.build({
    entrypoints: [join(root, 'src/cli.ts')],
    compile: { target, outfile, autoloadBunfig: false, autoloadDotenv: false },
    minify: true,
    sourcemap: 'none',
    define: { CODEX_SHIM_VERSION: JSON.stringify(version) },
  } as Parameters<typeof Bun.build>[0])
  if (!result.success) {
    for (const message of result.logs) console.error(message)
    process.exit(1)
  }
  const hash = createHash('sha256').update(readFileSync(outfile)).digest('hex')
  sums.push(`${hash}  ${name}`)
  console.log(`built ${name} (${target}) in ${((performance.now() - started) / 1000).toFixed(1)} s`)
}
writeFileSync(join(dist, 'SHA256SUMS'), `${sums.join('\n')}\n`)
console.log(`codex-shim ${version}: ${targets.length} binary(ies) and SHA256SUMS in dist/`)
