// SIGKILL patch-app at random points (seeded) and check that app.asar is always
// either the original or the fully patched archive, and still reads as one.
import { expect, test } from 'bun:test'
import { extractAll, uncacheAll } from '@electron/asar'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { headerHash, readAsar } from '../../src/desktop/asar.ts'
import { parsePlistXml } from '../../src/desktop/plist-xml.ts'
import { fileSha, makeCodexApp } from './_bundle.ts'
import { freshShimHome, runDesktop, spawnDesktop } from './_run.ts'

const RUNS = 50
const SEED = 0x5eed

function mulberry32(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

test(`${RUNS} patch-app runs killed at random points leave the original or the patched archive, never a broken one`, async () => {
  // A big archive makes the copy long enough for kills to land inside it.
  const app = await makeCodexApp({ bigFileBytes: 16 * 1024 * 1024 })
  const home = freshShimHome(app.root)
  const originals = new Map([app.asar, app.plist, app.helperPlist, app.framework].map((path) => [path, readFileSync(path)]))
  const reset = () => { for (const [path, bytes] of originals) writeFileSync(path, bytes) }
  const originalSha = fileSha(app.asar)

  const started = performance.now()
  expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
  const fullRunMs = performance.now() - started
  const patchedSha = fileSha(app.asar)
  expect(patchedSha).not.toBe(originalSha)
  rmSync(join(home, 'app-backups'), { recursive: true, force: true })

  const random = mulberry32(SEED)
  const outcomes = { original: 0, patched: 0 }
  const extractRoot = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'kill-extract-'))
  for (let run = 0; run < RUNS; run++) {
    reset()
    const child = spawnDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
    await Bun.sleep(random() * fullRunMs * 1.1)
    child.kill('SIGKILL')
    await child.exited

    const sha = fileSha(app.asar)
    expect([originalSha, patchedSha]).toContain(sha)
    outcomes[sha === originalSha ? 'original' : 'patched']++
    // It parses, and the reference reader extracts every file.
    readAsar(app.asar)
    uncacheAll()
    const out = join(extractRoot, String(run))
    extractAll(app.asar, out)
    uncacheAll()
    rmSync(out, { recursive: true, force: true })
    // A backup either is complete (its app.asar is the original) or does not look like one.
    for (const name of readdirSync(join(home, 'app-backups'), { withFileTypes: true }).filter((entry) => entry.isDirectory() && !entry.name.includes('.partial-')).map((entry) => entry.name)) {
      const manifestPath = join(home, 'app-backups', name, 'manifest.json')
      try {
        JSON.parse(readFileSync(manifestPath, 'utf8'))
      } catch {
        throw new Error(`backup ${name} has no readable manifest`)
      }
      expect(fileSha(join(home, 'app-backups', name, 'app.asar'))).toBe(originalSha)
    }
  }
  console.log(`killed runs left: ${outcomes.original} original, ${outcomes.patched} patched (seed ${SEED})`)

  // Whatever the last kill left, one clean run finishes the job and leaves no temp files.
  const final = runDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
  expect(final.code).toBe(0)
  expect(fileSha(app.asar)).toBe(patchedSha)
  const hash = headerHash(readAsar(app.asar).headerString)
  for (const plist of [app.plist, app.helperPlist]) expect((parsePlistXml(readFileSync(plist, 'utf8')) as any).ElectronAsarIntegrity['Resources/app.asar'].hash).toBe(hash)
  expect(readdirSync(join(app.app, 'Contents', 'Resources')).sort()).toEqual(['app.asar', 'app.asar.unpacked'])
}, 300_000)
