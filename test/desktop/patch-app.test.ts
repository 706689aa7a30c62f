import { describe, expect, test } from 'bun:test'
import { getRawHeader, uncacheAll } from '@electron/asar'
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { computeIntegrity, readAsar, readEntry } from '../../src/desktop/asar.ts'
import { parsePlistXml } from '../../src/desktop/plist-xml.ts'
import { digestOf, DIGEST_SENTINEL, extracted, fileSha, makeCodexApp, PICKER_AFTER, PICKER_BEFORE, PICKER_FILE, sha256, SIDEBAR_AFTER, SIDEBAR_BEFORE, SIDEBAR_FILE, type SyntheticApp, walk } from './_bundle.ts'
import { freshShimHome, runDesktop } from './_run.ts'
import { awayFromMacTest } from '../support/platform-tests.ts'

/** Every regular file of a directory tree, as relative path (with /, on Windows too) → SHA-256. */
function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(walk(dir).map((path) => [relative(dir, path).split(sep).join('/'), fileSha(path)]))
}

const plistHash = (path: string): string => (parsePlistXml(readFileSync(path, 'utf8')) as any).ElectronAsarIntegrity['Resources/app.asar'].hash

function digestSlots(framework: string): Array<{ used: number; version: number; digest: Buffer }> {
  const bytes = readFileSync(framework)
  const slots = []
  for (let at = bytes.indexOf(DIGEST_SENTINEL); at >= 0; at = bytes.indexOf(DIGEST_SENTINEL, at + 1)) {
    const after = at + DIGEST_SENTINEL.length
    slots.push({ used: bytes[after]!, version: bytes[after + 1]!, digest: bytes.subarray(after + 2, after + 34) })
  }
  return slots
}

async function setup(options: Parameters<typeof makeCodexApp>[0] = {}): Promise<{ app: SyntheticApp; home: string }> {
  const app = await makeCodexApp(options)
  return { app, home: freshShimHome(app.root) }
}

describe('patch-app --app X --no-sign', () => {
  test('changes the two flags and nothing else; sizes, integrity, plist hashes and the framework digest follow', async () => {
    const { app, home } = await setup()
    const before = extracted(app.asar)
    const unpackedBefore = fileSha(app.unpacked)
    const bundleBefore = snapshot(app.app)
    const plistBefore = readFileSync(app.plist, 'utf8')
    const oldHash = plistHash(app.plist)

    const run = runDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(0)
    expect(run.output).toContain('Changed the model picker allowlist filter')
    expect(run.output).toContain('Changed the sidebar recent-threads provider filter')

    // @electron/asar reads the result; only the two bundles differ, by exactly the two edits.
    const after = extracted(app.asar)
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort())
    for (const [path, bytes] of after) {
      if (path === PICKER_FILE) expect(bytes.toString()).toBe(before.get(path)!.toString().replace(PICKER_BEFORE, PICKER_AFTER))
      else if (path === SIDEBAR_FILE) expect(bytes.toString()).toBe(before.get(path)!.toString().replace(SIDEBAR_BEFORE, SIDEBAR_AFTER))
      else expect(bytes.equals(before.get(path)!)).toBe(true)
    }
    // Each entry's integrity matches its bytes (Electron checks this per file it reads).
    const archive = readAsar(app.asar)
    for (const file of archive.files) expect(file.entry.integrity).toEqual(computeIntegrity(readEntry(archive, file.entry)))

    // Both plists that name Resources/app.asar hold the SHA-256 of the new header string.
    uncacheAll()
    const newHash = sha256(getRawHeader(app.asar).headerString)
    uncacheAll()
    expect(plistHash(app.plist)).toBe(newHash)
    expect(plistHash(app.helperPlist)).toBe(newHash)
    // The framework's used digest slots pin the new ElectronAsarIntegrity dictionary.
    for (const slot of digestSlots(app.framework)) expect(slot.digest.equals(digestOf(newHash))).toBe(true)

    // app.asar.unpacked and every file we do not own are untouched.
    expect(fileSha(app.unpacked)).toBe(unpackedBefore)
    const bundleAfter = snapshot(app.app)
    const changed = Object.keys(bundleBefore).filter((path) => bundleBefore[path] !== bundleAfter[path]).sort()
    expect(changed).toEqual([
      'Contents/Frameworks/Codex Helper (Renderer).app/Contents/Info.plist',
      'Contents/Frameworks/Electron Framework.framework/Versions/A/Electron Framework',
      'Contents/Info.plist',
      'Contents/Resources/app.asar',
    ])
    expect(Object.keys(bundleAfter).sort()).toEqual(Object.keys(bundleBefore).sort()) // no temp files left behind

    // Only the hash text changed in the plist.
    expect(readFileSync(app.plist, 'utf8')).toBe(plistBefore.replace(oldHash, newHash))
  })

  test('a second run says "already patched" and changes nothing', async () => {
    const { app, home } = await setup()
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    const patched = snapshot(app.app)
    const again = runDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
    expect(again.code).toBe(0)
    expect(again.output).toContain('Already patched')
    expect(snapshot(app.app)).toEqual(patched)
  })

  test('an interrupted run (archive written, plists not yet) is finished by the next run', async () => {
    const { app, home } = await setup()
    const stalePlist = readFileSync(app.plist)
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    writeFileSync(app.plist, stalePlist) // as if killed between the rename of app.asar and the plist update
    const again = runDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
    expect(again.code).toBe(0)
    expect(again.output).toContain('Already patched')
    expect(again.output).toContain(`Finished an interrupted run; updated: ${app.plist}`)
    uncacheAll()
    expect(plistHash(app.plist)).toBe(sha256(getRawHeader(app.asar).headerString))
    uncacheAll()
  })

  test('a framework digest left stale by an interrupted run is recomputed by the next run', async () => {
    const { app, home } = await setup()
    const staleFramework = readFileSync(app.framework)
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    writeFileSync(app.framework, staleFramework)
    const again = runDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
    expect(again.code).toBe(0)
    expect(again.output).toContain('Finished an interrupted run; updated: ')
    expect(again.output).toContain('Electron Framework')
    for (const slot of digestSlots(app.framework)) expect(slot.digest.equals(digestOf(plistHash(app.plist)))).toBe(true)
  })

  awayFromMacTest('--dry-run prints files, matched code, the new hash and the signing plan, and writes nothing', async () => {
    const { app, home } = await setup()
    const before = snapshot(app.app)
    const run = runDesktop(['patch-app', '--app', app.app, '--dry-run'], home)
    expect(run.code).toBe(0)
    expect(run.output).toContain(`Would change the model picker allowlist filter (useHiddenModels) in ${PICKER_FILE}`)
    expect(run.output).toContain('[g.useHiddenModels&&y!==`amazonBedrock`]')
    expect(run.output).toContain('[!1/*codex-shim:picker*/]')
    expect(run.output).toContain('modelProviders:[null]')
    expect(run.output).toContain(`Header hash (ElectronAsarIntegrity): ${plistHash(app.plist)} → `)
    expect(run.output).toContain(app.helperPlist)
    expect(run.output).toContain('Signing: needs macOS codesign')
    expect(run.output).toContain('Dry run: nothing was written.')
    expect(snapshot(app.app)).toEqual(before)
    expect(existsSync(join(home, 'app-backups'))).toBe(false)
  })

  test('backs up app.asar and the plists under ~/.codex-shim/app-backups/<version>-<hash>/ first', async () => {
    const { app, home } = await setup()
    const originalAsar = fileSha(app.asar)
    const originalPlist = fileSha(app.plist)
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    const dir = join(home, 'app-backups', `26.519.41501-${originalAsar.slice(0, 12)}`)
    expect(fileSha(join(dir, 'app.asar'))).toBe(originalAsar)
    expect(fileSha(join(dir, 'plists', 'Contents', 'Info.plist'))).toBe(originalPlist)
    const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8'))
    expect(manifest).toMatchObject({ version: '26.519.41501', originalSha256: originalAsar, patchedSha256: fileSha(app.asar) })
  })
})

describe('patch-app refuses, and changes nothing', () => {
  test('a Desktop build without the needles: names the version, "not supported yet", "Nothing was changed"', async () => {
    const { app, home } = await setup({ withoutNeedles: true, version: '27.1.2' })
    const before = snapshot(app.app)
    const run = runDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(1)
    expect(run.output).toContain('Codex Desktop 27.1.2 is not supported yet')
    expect(run.output).toContain('model picker allowlist filter (useHiddenModels) was not found')
    expect(run.output).toContain('Nothing was changed')
    expect(run.output).not.toMatch(/^\s+at /m)
    expect(snapshot(app.app)).toEqual(before)
    expect(existsSync(join(home, 'app-backups'))).toBe(false)
  })

  test('a bundle that is not Codex', async () => {
    const { app, home } = await setup({ identifier: 'com.tinyspeck.slackmacgap' })
    const before = snapshot(app.app)
    const run = runDesktop(['patch-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(1)
    expect(run.output).toContain('is not Codex Desktop (CFBundleIdentifier is "com.tinyspeck.slackmacgap", expected com.openai.codex)')
    expect(snapshot(app.app)).toEqual(before)
  })

  test('a path that is not a bundle', async () => {
    const { app, home } = await setup()
    const run = runDesktop(['patch-app', '--app', join(app.root, 'Nope.app'), '--no-sign'], home)
    expect(run.code).toBe(1)
    expect(run.output).toContain('does not exist or is not an app bundle')
  })

  awayFromMacTest('signing on a system without codesign: exit 2, a clear message, nothing changed', async () => {
    const { app, home } = await setup()
    const before = snapshot(app.app)
    const run = runDesktop(['patch-app', '--app', app.app], home)
    expect(run.code).toBe(2)
    expect(run.output).toContain(`Re-signing needs macOS codesign, and this is ${process.platform}. Pass --no-sign`)
    expect(snapshot(app.app)).toEqual(before)
  })

  awayFromMacTest('no --app on a system that is not macOS: exit 2 and a clear message', () => {
    const home = freshShimHome(mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'noapp-')))
    for (const command of ['patch-app', 'restore-app']) {
      const run = runDesktop([command, '--no-sign'], home)
      expect(run.code).toBe(2)
      expect(run.output).toContain(`patch-app and restore-app work on the macOS Codex.app only; this is ${process.platform}.`)
      expect(run.output).toContain('--app PATH --no-sign')
    }
  })
})

describe('restore-app', () => {
  test('puts back the original archive, plists and framework byte for byte', async () => {
    const { app, home } = await setup()
    const original = snapshot(app.app)
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    expect(snapshot(app.app)).not.toEqual(original)
    const run = runDesktop(['restore-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(0)
    expect(run.output).toContain('Restored Codex Desktop 26.519.41501')
    expect(snapshot(app.app)).toEqual(original)
    // And it can be patched again from there.
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).output).toContain('Changed the model picker')
  })

  test('refuses a backup of another Desktop version (Desktop updated since the patch)', async () => {
    const { app, home } = await setup()
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    // The installed version is now different; the archive is still the patched one.
    writeFileSync(app.plist, readFileSync(app.plist, 'utf8').replace('<string>26.519.41501</string>', '<string>26.601.10000</string>'))
    const before = snapshot(app.app)
    const run = runDesktop(['restore-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(1)
    expect(run.output).toContain('No backup for the installed Codex Desktop 26.601.10000')
    expect(run.output).toContain('The backups are for Codex 26.519.41501: Desktop has updated since it was patched')
    expect(run.output).toContain('Nothing was restored')
    expect(snapshot(app.app)).toEqual(before)
  })

  test('after a Desktop update (new version, unpatched archive) the old backup is not applied', async () => {
    const { app, home } = await setup()
    const originalAsar = readFileSync(app.asar)
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    // The updater installs a fresh, unpatched archive and a new Info.plist.
    writeFileSync(app.asar, originalAsar)
    writeFileSync(app.plist, readFileSync(join(home, 'app-backups', readdirSync(join(home, 'app-backups'))[0]!, 'plists', 'Contents', 'Info.plist'), 'utf8').replace('<string>26.519.41501</string>', '<string>26.601.10000</string>'))
    const before = snapshot(app.app)
    const run = runDesktop(['restore-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(0)
    expect(run.output).toContain('Codex Desktop 26.601.10000')
    expect(run.output).toContain('Backups for Codex 26.519.41501 are kept but never applied to another version.')
    expect(snapshot(app.app)).toEqual(before)
  })

  test('an unpatched app with no backup: nothing to restore, exit 0', async () => {
    const { app, home } = await setup()
    const before = snapshot(app.app)
    const run = runDesktop(['restore-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(0)
    expect(run.output).toContain('is not patched by codex-shim; nothing to restore')
    expect(snapshot(app.app)).toEqual(before)
  })

  test('a damaged backup is refused', async () => {
    const { app, home } = await setup()
    const originalAsar = fileSha(app.asar)
    expect(runDesktop(['patch-app', '--app', app.app, '--no-sign'], home).code).toBe(0)
    const saved = join(home, 'app-backups', `26.519.41501-${originalAsar.slice(0, 12)}`, 'app.asar')
    const bytes = readFileSync(saved)
    bytes[bytes.length - 1] = bytes.at(-1)! ^ 0xff
    writeFileSync(saved, bytes)
    const before = snapshot(app.app)
    const run = runDesktop(['restore-app', '--app', app.app, '--no-sign'], home)
    expect(run.code).toBe(1)
    expect(run.output).toContain('is damaged')
    expect(snapshot(app.app)).toEqual(before)
    expect(statSync(app.asar).size).toBeGreaterThan(0)
  })
})
