// Synthetic Codex.app bundles for the patch-app tests, built with @electron/asar
// (the reference packer, a dev-only oracle). Hand-written minified JS: the needles
// use other variable names than the real builds, on purpose.
import { createPackageWithOptions, extractAll, getRawHeader, uncacheAll } from '@electron/asar'
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'

export const PICKER_BEFORE = 'function Zq({models:r,availableModels:t}){let k=g.useHiddenModels&&y!==`amazonBedrock`,w;return r.filter(n=>k?t.has(n.model):!n.hidden)}'
export const PICKER_AFTER = 'function Zq({models:r,availableModels:t}){let k=!1/*codex-shim:picker*/,w;return r.filter(n=>k?t.has(n.model):!n.hidden)}'
// The manager's method (patched) and the RequestClient's method of the same name (left alone).
export const SIDEBAR_BEFORE = 'class Mg{listRecentThreads({cursor:q,limit:j,useStateDbOnly:h=!1}){let v={limit:j,cursor:q,sortKey:this.params.requestClient.getCompatibleThreadSortKey(this.recentConversationSortKey),modelProviders:null,archived:!1,useStateDbOnly:h};return this.params.requestClient.sendRequest(`thread/list`,v)}}'
export const SIDEBAR_AFTER = 'class Mg{listRecentThreads({cursor:q,limit:j,useStateDbOnly:h=!1}){let v={limit:j,cursor:q,sortKey:this.params.requestClient.getCompatibleThreadSortKey(this.recentConversationSortKey),modelProviders:[]/*codex-shim:sidebar*/,archived:!1,useStateDbOnly:h};return this.params.requestClient.sendRequest(`thread/list`,v)}}'
export const REQUEST_CLIENT = 'class Rc{async listRecentThreads({limit:e}){return(await this.sendRequest(`thread/list`,{archived:!1,cursor:null,limit:e,modelProviders:null,sortKey:`updated_at`})).data}}'

export const PICKER_FILE = 'webview/assets/model-queries-D4xk9Q.js'
export const SIDEBAR_FILE = 'webview/assets/app-server-manager-signals-B7pLm2.js'
export const UNPACKED_FILE = 'node_modules/native/build/addon.node'
export const DIGEST_SENTINEL = 'AGbevlPCksUGKNL8TSn7wGmJEuJsXb2A'

/** Deterministic bytes (a small LCG), so big files differ per seed but never per run. */
export function seededBytes(size: number, seed: number): Buffer {
  const out = Buffer.alloc(size)
  let state = seed >>> 0
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0
    out[i] = state >>> 24
  }
  return out
}

export interface BundleOptions {
  version?: string
  identifier?: string
  /** Leave the needles out (a Desktop build we do not support). */
  withoutNeedles?: boolean
  /** Size of a binary file packed after the JS bundles; > 4 MiB gives several integrity blocks. */
  bigFileBytes?: number
  seed?: number
  /** Electron Framework digest slot: 'used' (kept in sync with Info.plist), 'unused', or none at all. */
  digest?: 'used' | 'unused' | 'none'
}

export interface SyntheticApp { root: string; app: string; asar: string; plist: string; helperPlist: string; framework: string; unpacked: string }

function plistXml(identifier: string, version: string, hash: string | null, name = 'Codex'): string {
  const integrity = hash === null ? '' : `\t<key>ElectronAsarIntegrity</key>\n\t<dict>\n\t\t<key>Resources/app.asar</key>\n\t\t<dict>\n\t\t\t<key>algorithm</key>\n\t\t\t<string>SHA256</string>\n\t\t\t<key>hash</key>\n\t\t\t<string>${hash}</string>\n\t\t</dict>\n\t</dict>\n`
  return `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
\t<key>CFBundleDisplayName</key>
\t<string>${name}</string>
\t<key>CFBundleIdentifier</key>
\t<string>${identifier}</string>
\t<key>CFBundleShortVersionString</key>
\t<string>${version}</string>
${integrity}\t<key>LSMinimumSystemVersion</key>
\t<string>12.0</string>
\t<key>NSHighResolutionCapable</key>
\t<true/>
</dict>
</plist>
`
}

export function digestOf(hash: string): Buffer {
  return Buffer.from(new Bun.CryptoHasher('sha256').update('Resources/app.asar').update('SHA256').update(hash).digest())
}

export function frameworkBytes(state: 'used' | 'unused', hash: string): Buffer {
  const slot = Buffer.concat([Buffer.from(DIGEST_SENTINEL, 'latin1'), Buffer.from([state === 'used' ? 1 : 0, 1]), state === 'used' ? digestOf(hash) : Buffer.alloc(32)])
  // Two slots, as in a universal (arm64 + x86_64) binary.
  return Buffer.concat([seededBytes(70_000, 7), slot, seededBytes(50_000, 8), slot, seededBytes(1000, 9)])
}

let counter = 0

export async function makeCodexApp(options: BundleOptions = {}): Promise<SyntheticApp> {
  const version = options.version ?? '26.519.41501'
  const root = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, `desktop-${++counter}-`))
  const source = join(root, 'src')
  const write = (path: string, content: string | Buffer) => {
    mkdirSync(join(source, path, '..'), { recursive: true })
    writeFileSync(join(source, path), content)
  }
  const filler = (label: string) => `/* ${label} */var a0=${'[1,2,3],'.repeat(40)}b0=0;`
  write('package.json', JSON.stringify({ name: 'openai-codex-electron', version, main: '.vite/build/main.js' }))
  write('.vite/build/main.js', `${filler('main')}require("./preload.js");`)
  write('.vite/build/preload.js', filler('preload'))
  write('webview/index.html', '<!doctype html><script type="module" src="./assets/index-Qk2.js"></script>')
  write('webview/assets/index-Qk2.js', `${filler('index')}import("./${PICKER_FILE.split('/').pop()}");`)
  write(PICKER_FILE, options.withoutNeedles ? `${filler('mq')}function Zq(r){return r}` : `${filler('mq')}${PICKER_BEFORE}export{Zq};`)
  write(SIDEBAR_FILE, options.withoutNeedles ? `${filler('sig')}${REQUEST_CLIENT}` : `${filler('sig')}${REQUEST_CLIENT}${SIDEBAR_BEFORE}export{Mg,Rc};`)
  // Identical content twice: @electron/asar stores it once and both entries share the bytes.
  write('webview/assets/vendor-a.js', filler('vendor shared'))
  write('webview/assets/vendor-b.js', filler('vendor shared'))
  write('webview/assets/zz-after.js', `${filler('after')}console.log("after the patched files")`)
  write('webview/assets/empty.js', '')
  write('webview/assets/zz-big.bin', seededBytes(options.bigFileBytes ?? 9 * 1024 * 1024 + 123, options.seed ?? 1))
  write(UNPACKED_FILE, seededBytes(4096, 3))

  const app = join(root, 'Codex.app')
  const resources = join(app, 'Contents', 'Resources')
  mkdirSync(resources, { recursive: true })
  const asar = join(resources, 'app.asar')
  await createPackageWithOptions(source, asar, { unpack: '*.node' })
  uncacheAll()
  const hash = new Bun.CryptoHasher('sha256').update(getRawHeader(asar).headerString).digest('hex')
  uncacheAll()

  const plist = join(app, 'Contents', 'Info.plist')
  writeFileSync(plist, plistXml(options.identifier ?? 'com.openai.codex', version, hash))
  const helper = join(app, 'Contents', 'Frameworks', 'Codex Helper (Renderer).app', 'Contents')
  mkdirSync(helper, { recursive: true })
  const helperPlist = join(helper, 'Info.plist')
  writeFileSync(helperPlist, plistXml('com.openai.codex.helper.renderer', version, hash, 'Codex Helper (Renderer)'))
  const plainHelper = join(app, 'Contents', 'Frameworks', 'Codex Helper.app', 'Contents')
  mkdirSync(plainHelper, { recursive: true })
  writeFileSync(join(plainHelper, 'Info.plist'), plistXml('com.openai.codex.helper', version, null, 'Codex Helper'))

  const frameworkDir = join(app, 'Contents', 'Frameworks', 'Electron Framework.framework')
  const framework = join(frameworkDir, 'Versions', 'A', 'Electron Framework')
  if ((options.digest ?? 'used') !== 'none') {
    mkdirSync(join(frameworkDir, 'Versions', 'A'), { recursive: true })
    writeFileSync(framework, frameworkBytes(options.digest === 'unused' ? 'unused' : 'used', hash))
    // Typed and joined for Windows too, whose symlinks need to be told a folder and take its separator.
    symlinkSync('A', join(frameworkDir, 'Versions', 'Current'), 'dir')
    symlinkSync(join('Versions', 'Current', 'Electron Framework'), join(frameworkDir, 'Electron Framework'), 'file')
  }
  return { root, app, asar, plist, helperPlist, framework, unpacked: join(resources, 'app.asar.unpacked', UNPACKED_FILE) }
}

export const sha256 = (bytes: Uint8Array | string): string => new Bun.CryptoHasher('sha256').update(bytes).digest('hex')
export const fileSha = (path: string): string => sha256(readFileSync(path))

/** Every regular file below `dir` (symlinks, which an app bundle has, are left out). */
export function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    const stats = lstatSync(path)
    return stats.isSymbolicLink() ? [] : stats.isDirectory() ? walk(path) : [path]
  })
}

/** Every file @electron/asar extracts, as archive path → bytes. */
export function extracted(archive: string): Map<string, Buffer> {
  uncacheAll()
  const out = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'extract-'))
  extractAll(archive, out)
  uncacheAll()
  return new Map(walk(out).map((path) => [relative(out, path).split(sep).join('/'), readFileSync(path)]))
}
