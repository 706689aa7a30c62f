import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { join, posix } from 'node:path'
import { installService, serviceStatus, uninstallService } from '../../src/service/index.ts'
import { launchAgentPath, launchAgentPlist } from '../../src/service/launchd.ts'
import type { ServiceHost } from '../../src/service/types.ts'
import { recordingRunner } from './fake-runner.ts'
import { lintPlist, plistTopDict } from './plist-lint.ts'

const fixture = (name: string) => readFileSync(join(import.meta.dir, 'fixtures', name), 'utf8')

describe('plist lint (plutil -lint rules) rejects what plutil rejects', () => {
  const wrap = (body: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">\n<plist version="1.0">${body}</plist>\n`
  test.each([
    ['a valid dict', wrap('<dict><key>A</key><string>x</string><key>B</key><array><integer>1</integer><true/></array></dict>'), []],
    ['a tag closed by the wrong name', wrap('<dict><key>A</key><string>x</dict></string>'), ['not well-formed: </dict> does not close <string>']],
    ['an unclosed element', wrap('<dict><key>A</key><string>x</string>'), ['not well-formed: </plist> does not close <dict>']],
    ['a key without a value', wrap('<dict><key>A</key></dict>'), ['plist.A: key without a value']],
    ['two keys in a row', wrap('<dict><key>A</key><key>B</key><string>x</string></dict>'), ['plist.A: key followed by another key']],
    ['a value where a key belongs', wrap('<dict><string>x</string></dict>'), ['plist: expected <key>, found <string>']],
    ['a duplicate key', wrap('<dict><key>A</key><true/><key>A</key><false/></dict>'), ['plist: duplicate key A']],
    ['a raw ampersand', wrap('<dict><key>A</key><string>a & b</string></dict>'), ['not well-formed: bad entity in "a & b"']],
    ['an unknown element', wrap('<dict><key>A</key><bool>1</bool></dict>'), ['plist.A: <bool> is not a plist element']],
    ['a non-numeric integer', wrap('<dict><key>A</key><integer>five</integer></dict>'), ['plist.A: <integer> is not a number']],
    ['two root values', wrap('<dict></dict><dict></dict>'), ['<plist> holds 2 values, expected 1']],
    ['no DOCTYPE', '<?xml version="1.0"?>\n<plist version="1.0"><dict/></plist>', ['missing <!DOCTYPE plist …>']],
  ])('%s', (_name, source, problems) => {
    expect(lintPlist(source as string)).toEqual(problems as string[])
  })
})

describe('macOS LaunchAgent', () => {
  const host = { home: '/Users/me', env: { CODEX_SHIM_HOME: '/Users/me/shim & co' } }

  test('the plist lints clean and says: run at load, keep alive, logs under the shim home', () => {
    const plist = launchAgentPlist(host, { port: 8765, program: ['/Applications/My Tools/codex-shim'] })
    expect(lintPlist(plist)).toEqual([])
    expect(plistTopDict(plist)).toEqual({
      Label: 'dev.codex-shim',
      ProgramArguments: ['/Applications/My Tools/codex-shim', 'start', '--foreground', '--port', '8765', '--host', '127.0.0.1'],
      // Bun reads its upstream request cap only at start (issue #11, 7.4).
      EnvironmentVariables: { CODEX_SHIM_HOME: '/Users/me/shim & co', BUN_CONFIG_MAX_HTTP_REQUESTS: '16384' },
      RunAtLoad: true,
      KeepAlive: true,
      ThrottleInterval: 5,
      StandardOutPath: '/Users/me/shim & co/service.log',
      StandardErrorPath: '/Users/me/shim & co/service.log',
    })
  })

  test('it lives in ~/Library/LaunchAgents', () => {
    expect(launchAgentPath({ home: '/Users/me' })).toBe('/Users/me/Library/LaunchAgents/dev.codex-shim.plist')
  })

  test('install bootstraps into gui/<uid>, status reads launchctl print, uninstall boots out and removes the plist', async () => {
    const home = mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'launchd-'))
    let loaded = false
    const manager = recordingRunner((argv) => {
      if (argv[1] === 'bootstrap') loaded = true
      if (argv[1] === 'bootout') {
        const was = loaded
        loaded = false
        return was ? {} : { code: 3, stderr: 'Boot-out failed: 3: No such process' }
      }
      if (argv[1] === 'print') return loaded ? { stdout: fixture('launchctl-print-running.txt') } : { code: 113, stderr: 'Could not find service "dev.codex-shim" in domain for user gui: 501' }
      return {}
    })
    const mac: ServiceHost = { platform: 'darwin', home, env: {}, uid: 501, run: manager.run }
    const plist = posix.join(home, 'Library', 'LaunchAgents', 'dev.codex-shim.plist') // a macOS path, joined so on any machine

    expect((await installService(mac, { port: 8765, program: ['/usr/local/bin/codex-shim'] })).state).toBe('installed')
    expect(lintPlist(readFileSync(plist, 'utf8'))).toEqual([])
    expect(manager.calls).toEqual([['launchctl', 'bootout', 'gui/501/dev.codex-shim'], ['launchctl', 'bootstrap', 'gui/501', plist]])

    expect(await serviceStatus(mac, { port: 8765, program: [] })).toMatchObject({ manager: 'launchd', installed: true, running: true, pid: 4242, detail: 'launchd: running' })

    // Installing again reloads the job (bootstrap refuses a loaded one) and keeps the same file.
    manager.calls.length = 0
    expect((await installService(mac, { port: 8765, program: ['/usr/local/bin/codex-shim'] })).state).toBe('unchanged')
    expect(manager.calls.map((argv) => argv[1])).toEqual(['bootout', 'bootstrap'])

    expect((await uninstallService(mac, { port: 8765, program: [] })).state).toBe('removed')
    expect(existsSync(plist)).toBe(false)
    expect(await serviceStatus(mac, { port: 8765, program: [] })).toMatchObject({ installed: false, loaded: false, running: false })
  })

  test('a loaded job that exited (last exit code 1) is reported as not running, and failing', async () => {
    const manager = recordingRunner(() => ({ stdout: fixture('launchctl-print-waiting.txt') }))
    const mac: ServiceHost = { platform: 'darwin', home: '/nonexistent', env: {}, uid: 501, run: manager.run }
    expect(await serviceStatus(mac, { port: 8765, program: [] })).toMatchObject({ loaded: true, running: false, failing: true, detail: 'launchd: not running, last exit code 1' })
  })
})
