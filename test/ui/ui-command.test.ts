import { describe, expect, spyOn, test } from 'bun:test'
import { openControlPage, openerCommand, openInBrowser, pageUrl } from '../../src/commands/ui.ts'
import type { DaemonInfo } from '../../src/daemon/pid-file.ts'
import type { ServeOptions } from '../../src/daemon/lifecycle.ts'

const info = (over: Partial<DaemonInfo> = {}): DaemonInfo => ({ pid: 4242, host: '127.0.0.1', port: 8765, version: '1.0.0', started_at: '2026-11-20T00:00:00Z', settings: null, ...over })
const options: ServeOptions = { host: '127.0.0.1', port: 9000 }

describe('codex-shim ui', () => {
  test('the page address uses a loopback name for a daemon on all interfaces', () => {
    expect(pageUrl(info())).toBe('http://127.0.0.1:8765/')
    expect(pageUrl(info({ host: '0.0.0.0', port: 9001 }))).toBe('http://127.0.0.1:9001/')
    expect(pageUrl(info({ host: '::1' }))).toBe('http://[::1]:8765/')
  })

  test.each([
    ['darwin', ['open', 'http://127.0.0.1:8765/']],
    ['win32', ['cmd', '/c', 'start', '""', 'http://127.0.0.1:8765/']],
    ['linux', ['xdg-open', 'http://127.0.0.1:8765/']],
  ] as const)('opens the browser on %s with %j', async (platform, argv) => {
    expect(openerCommand('http://127.0.0.1:8765/', platform)).toEqual([...argv])
    const calls: string[][] = []
    expect(await openInBrowser('http://127.0.0.1:8765/', { platform, run: async (command) => (calls.push(command), { code: 0 }) })).toBe(true)
    expect(calls).toEqual([[...argv]])
  })

  test('a missing or failing opener is reported as not opened', async () => {
    expect(await openInBrowser('http://x/', { platform: 'linux', run: async () => { throw new Error('ENOENT: xdg-open') } })).toBe(false)
    expect(await openInBrowser('http://x/', { platform: 'linux', run: async () => ({ code: 3 }) })).toBe(false)
  })

  test('uses the running daemon without starting another', async () => {
    const opened: string[] = []
    let started = 0
    const url = await openControlPage(options, { running: async () => ({ info: info({ port: 8801 }) }), start: async () => (started++, { state: 'started', info: info() }), open: async (target) => (opened.push(target), true) })
    expect(url).toBe('http://127.0.0.1:8801/')
    expect(opened).toEqual(['http://127.0.0.1:8801/'])
    expect(started).toBe(0)
  })

  test('starts the daemon with the given address when none runs', async () => {
    const startedWith: ServeOptions[] = []
    const url = await openControlPage({ ...options, settingsPath: '/x/models.json' }, { running: async () => null, start: async (given) => (startedWith.push(given), { state: 'started', info: info({ port: 9000 }) }), open: async () => false })
    expect(startedWith).toEqual([{ host: '127.0.0.1', port: 9000, settingsPath: '/x/models.json' }])
    expect(url).toBe('http://127.0.0.1:9000/')
  })

  test('--print prints the address on stdout and opens nothing', async () => {
    const log = spyOn(console, 'log').mockImplementation(() => {})
    try {
      let opened = false
      await openControlPage({ ...options, print: true }, { running: async () => ({ info: info() }), start: async () => ({ state: 'started', info: info() }), open: async () => (opened = true) })
      expect(log.mock.calls).toEqual([['http://127.0.0.1:8765/']])
      expect(opened).toBe(false)
    } finally {
      log.mockRestore()
    }
  })
})
