import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { ensureChromium, findChromium } from '../../scripts/ensure-chromium.ts'

const none = () => null

describe('findChromium', () => {
  test('CHROMIUM_PATH wins, and a wrong one is an error rather than a quiet fallback', () => {
    expect(findChromium({ env: { CHROMIUM_PATH: '/opt/chrome/chrome' }, exists: () => true, which: none })).toBe('/opt/chrome/chrome')
    expect(() => findChromium({ env: { CHROMIUM_PATH: '/nope' }, exists: (path) => path === '/usr/bin/chromium', which: none })).toThrow('CHROMIUM_PATH=/nope does not exist')
  })

  test('then /usr/bin/chromium, /usr/bin/chromium-browser, then google-chrome on PATH', () => {
    expect(findChromium({ env: {}, exists: (path) => path === '/usr/bin/chromium-browser', which: none })).toBe('/usr/bin/chromium-browser')
    expect(findChromium({ env: {}, exists: () => false, which: (name) => (name === 'google-chrome' ? '/usr/local/bin/google-chrome' : null) })).toBe('/usr/local/bin/google-chrome')
    expect(findChromium({ env: {}, exists: () => false, which: none })).toBeNull()
  })

  test('on Windows, Chrome or Edge where their installers put them (neither is on PATH there)', () => {
    const env = { PROGRAMFILES: 'C:\\Program Files', 'PROGRAMFILES(X86)': 'C:\\Program Files (x86)', LOCALAPPDATA: 'C:\\Users\\me\\AppData\\Local' }
    const installed = (path: string) => (candidate: string) => candidate === path
    const chrome = 'C:\\Users\\me\\AppData\\Local\\Google\\Chrome\\Application\\chrome.exe'
    const edge = 'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe'
    expect(findChromium({ env, exists: installed(chrome), which: none, platform: 'win32' })).toBe(chrome)
    expect(findChromium({ env, exists: installed(edge), which: none, platform: 'win32' })).toBe(edge)
    expect(findChromium({ env, exists: () => false, which: none, platform: 'win32' })).toBeNull()
    // Not looked for elsewhere.
    expect(findChromium({ env, exists: installed(chrome), which: none, platform: 'linux' })).toBeNull()
  })

  test('without one, not root: exit 1 with the exact install command', () => {
    const lines: string[] = []
    const runs: string[][] = []
    const code = ensureChromium({ env: {}, exists: () => false, which: none, uid: 1000, debian: true, run: (argv) => (runs.push(argv), 0), say: (line) => lines.push(line) })
    expect(code).toBe(1)
    expect(runs).toEqual([])
    expect(lines).toEqual(['No Chromium found for the browser tests. Install it (sudo apt-get update && sudo apt-get install -y chromium), or set CHROMIUM_PATH to a Chromium or Chrome binary.'])
  })

  test('without one, root on Debian: apt-get update, install chromium, then finds it', () => {
    let installed = false
    const runs: string[][] = []
    const code = ensureChromium({ env: {}, exists: (path) => installed && path === '/usr/bin/chromium', which: none, uid: 0, debian: true, run: (argv) => (runs.push(argv), (installed = argv.includes('install')), 0), say: () => {} })
    expect(runs).toEqual([['apt-get', 'update'], ['apt-get', 'install', '-y', 'chromium']])
    expect(code).toBe(0)
  })

  test('a failed install is exit 1 with the command, not a skip', () => {
    const lines: string[] = []
    expect(ensureChromium({ env: {}, exists: () => false, which: none, uid: 0, debian: true, run: (argv) => (argv[1] === 'update' ? 100 : 0), say: (line) => lines.push(line) })).toBe(1)
    expect(lines.at(-1)).toBe('Installing Chromium failed. Run: sudo apt-get update && sudo apt-get install -y chromium')
  })

  test('the script itself exits 1 on a CHROMIUM_PATH that does not exist', () => {
    const script = join(import.meta.dir, '../../scripts/ensure-chromium.ts')
    const result = Bun.spawnSync([process.execPath, script], { env: { PATH: '', CHROMIUM_PATH: '/does/not/exist' }, stderr: 'pipe' })
    expect(result.exitCode).toBe(1)
    expect(result.stderr.toString()).toContain('CHROMIUM_PATH=/does/not/exist does not exist')
  })

  test('finds the Chromium this machine has (the browser tests need it)', () => {
    expect(findChromium()).not.toBeNull()
  })
})
