import { describe, expect, test } from 'bun:test'
import { extractFile, getRawHeader, listPackage, uncacheAll } from '@electron/asar'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { computeIntegrity, headerHash, INTEGRITY_BLOCK_SIZE, pickleHeader, readAsar, readEntry } from '../../src/desktop/asar.ts'
import { planRewrite, rewriteAsar } from '../../src/desktop/asar-write.ts'
import { extracted, makeCodexApp, PICKER_FILE, seededBytes, sha256, SIDEBAR_FILE } from './_bundle.ts'

describe('reading an archive made by @electron/asar', () => {
  test('the header string, data start and every packed file agree with the reference reader', async () => {
    const { asar } = await makeCodexApp()
    const archive = readAsar(asar)
    uncacheAll()
    const raw = getRawHeader(asar)
    expect(archive.headerString).toBe(raw.headerString)
    expect(archive.dataStart).toBe(8 + raw.headerSize)
    const packed = archive.files.map((file) => file.path)
    expect(packed).toContain(PICKER_FILE)
    expect(packed).not.toContain('node_modules/native/build/addon.node') // unpacked files have no bytes here
    for (const file of archive.files) {
      uncacheAll()
      expect(readEntry(archive, file.entry).equals(extractFile(asar, file.path))).toBe(true)
    }
  })

  test('pickleHeader reproduces the archive prefix byte for byte', async () => {
    const { asar } = await makeCodexApp()
    const archive = readAsar(asar)
    const prefix = pickleHeader(archive.headerString)
    expect(prefix.equals(readFileSync(asar).subarray(0, archive.dataStart))).toBe(true)
  })

  test('computeIntegrity equals @electron/asar for an empty file, a small one and a 9 MiB one (3 blocks)', async () => {
    const { asar } = await makeCodexApp()
    const archive = readAsar(asar)
    const pick = (path: string) => archive.files.find((file) => file.path === path)!
    for (const path of ['webview/assets/empty.js', PICKER_FILE, 'webview/assets/zz-big.bin']) {
      const entry = pick(path).entry
      expect(computeIntegrity(readEntry(archive, entry))).toEqual(entry.integrity!)
    }
    expect(pick('webview/assets/zz-big.bin').entry.integrity!.blocks).toHaveLength(3)
    expect(computeIntegrity(new Uint8Array()).blocks).toEqual([sha256(new Uint8Array())])
    expect(computeIntegrity(seededBytes(INTEGRITY_BLOCK_SIZE, 2)).blocks).toHaveLength(1)
  })

  test('a file that is not an archive is refused with its path', () => {
    const bad = join(mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'bad-')), 'app.asar')
    writeFileSync(bad, 'not an asar at all, just text')
    expect(() => readAsar(bad)).toThrow(`${bad} is not a valid ASAR archive`)
  })
})

describe('rewriting an archive', () => {
  test('a longer and a shorter file: later entries move, every other file is byte-identical, integrity is recomputed', async () => {
    const { asar } = await makeCodexApp()
    const before = extracted(asar)
    const longer = Buffer.from(`${before.get(SIDEBAR_FILE)!.toString()}/* grown by a test */`)
    const shorter = Buffer.from('export{}')
    const result = rewriteAsar(readAsar(asar), new Map([[SIDEBAR_FILE, longer], [PICKER_FILE, shorter]]))

    const after = extracted(asar)
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort())
    for (const [path, bytes] of after) {
      if (path === SIDEBAR_FILE) expect(bytes.equals(longer)).toBe(true)
      else if (path === PICKER_FILE) expect(bytes.equals(shorter)).toBe(true)
      else expect(bytes.equals(before.get(path)!)).toBe(true)
    }
    const reread = readAsar(asar)
    expect(reread.headerString).toBe(result.headerString)
    for (const file of reread.files) expect(file.entry.integrity).toEqual(computeIntegrity(readEntry(reread, file.entry)))
    uncacheAll()
    expect(listPackage(asar, { isPack: false }).length).toBeGreaterThan(10)
    expect(headerHash(getRawHeader(asar).headerString)).toBe(headerHash(result.headerString))
    uncacheAll()
  })

  test('two entries that share bytes (a deduplicated file): replacing one leaves the other intact', async () => {
    const { asar } = await makeCodexApp()
    const archive = readAsar(asar)
    const offsetOf = (path: string) => archive.files.find((file) => file.path === path)!.entry.offset
    expect(offsetOf('webview/assets/vendor-a.js')).toBe(offsetOf('webview/assets/vendor-b.js'))
    const before = extracted(asar)
    const plan = planRewrite(archive, new Map([['webview/assets/vendor-a.js', Buffer.from('changed')]]))
    expect(plan.splices).toHaveLength(0) // shared bytes are not edited in place
    expect(plan.appended).toHaveLength(1)

    rewriteAsar(archive, new Map([['webview/assets/vendor-a.js', Buffer.from('changed')]]))
    const after = extracted(asar)
    expect(after.get('webview/assets/vendor-a.js')!.toString()).toBe('changed')
    expect(after.get('webview/assets/vendor-b.js')!.equals(before.get('webview/assets/vendor-b.js')!)).toBe(true)
    expect(after.get('webview/assets/zz-big.bin')!.equals(before.get('webview/assets/zz-big.bin')!)).toBe(true)
  })
})
