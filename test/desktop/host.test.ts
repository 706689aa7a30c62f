// patch-app with an injected host: macOS tools (PlistBuddy, codesign) played by
// a recording fake, other platforms, a full disk, and the permission message.
import { describe, expect, test } from 'bun:test'
import { lstatSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { UsageError } from '../../src/commands/_args.ts'
import { ShimError } from '../../src/errors.ts'
import { locateApp, requireApp } from '../../src/desktop/bundle.ts'
import { systemHost, type DesktopHost, type RunResult } from '../../src/desktop/host.ts'
import { patchApp } from '../../src/desktop/patch.ts'
import { isPermissionError, withPermissionHint } from '../../src/desktop/permission.ts'
import { parsePlistXml, replaceStringValue, serializePlistXml } from '../../src/desktop/plist-xml.ts'
import { restoreApp } from '../../src/desktop/restore.ts'
import { isTeamBound } from '../../src/desktop/sign.ts'
import { DIGEST_SENTINEL, fileSha, makeCodexApp } from './_bundle.ts'
import { awayFromMacTest } from '../support/platform-tests.ts'

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {}
  const walk = (path: string): void => {
    const stats = lstatSync(path)
    if (stats.isSymbolicLink()) return
    if (stats.isDirectory()) for (const name of readdirSync(path)) walk(join(path, name))
    else files[relative(dir, path).split(sep).join('/')] = fileSha(path)
  }
  walk(dir)
  return files
}

const MAIN_ENTITLEMENTS = {
  'com.apple.security.cs.allow-jit': true,
  'com.apple.security.device.audio-input': true,
  'com.apple.application-identifier': 'TEAM123.com.openai.codex',
  'com.apple.developer.team-identifier': 'TEAM123',
  'keychain-access-groups': ['TEAM123.com.openai.codex'],
}
const RENDERER_ENTITLEMENTS = { 'com.apple.security.cs.allow-jit': true }

interface Call { command: string[]; entitlements?: Record<string, unknown> }

/** macOS as far as patch-app can tell: PlistBuddy edits the file it is given, codesign records. */
function fakeMac(calls: Call[], options: { signatureValid?: boolean } = {}): DesktopHost {
  return {
    platform: 'darwin',
    freeBytes: () => 1e12,
    run(command): RunResult {
      const [program, ...args] = command
      if (program === '/usr/libexec/PlistBuddy') {
        const match = /^Set :ElectronAsarIntegrity:Resources\/app\.asar:hash ([0-9a-f]{64})$/.exec(args[1]!)
        if (args[0] !== '-c' || !match) return { code: 1, stdout: '', stderr: `unexpected PlistBuddy use: ${args.join(' ')}` }
        const file = args[2]!
        writeFileSync(file, replaceStringValue(readFileSync(file, 'utf8'), ['ElectronAsarIntegrity', 'Resources/app.asar', 'hash'], match[1]!))
        calls.push({ command })
        return { code: 0, stdout: '', stderr: '' }
      }
      if (program === '/usr/bin/codesign') {
        const target = command.at(-1)!
        if (args[0] === '--display') {
          calls.push({ command })
          const entitlements = target.endsWith('Codex.app') ? MAIN_ENTITLEMENTS : target.includes('(Renderer)') ? RENDERER_ENTITLEMENTS : null
          return { code: 0, stdout: entitlements ? serializePlistXml(entitlements) : '', stderr: `Executable=${target}\n` }
        }
        if (args[0] === '--verify') {
          calls.push({ command })
          return { code: options.signatureValid === false ? 1 : 0, stdout: '', stderr: options.signatureValid === false ? `${target}: invalid signature` : '' }
        }
        const file = args.includes('--entitlements') ? args[args.indexOf('--entitlements') + 1]! : null
        calls.push({ command, ...(file && { entitlements: parsePlistXml(readFileSync(file, 'utf8')) as Record<string, unknown> }) })
        return { code: 0, stdout: '', stderr: '' }
      }
      return { code: 127, stdout: '', stderr: `${program}: not found` }
    },
  }
}

describe('on macOS (faked)', () => {
  test('plists go through PlistBuddy on a temp copy; signing is ad hoc, deep, then per bundle with team-bound entitlements dropped', async () => {
    const app = await makeCodexApp()
    const calls: Call[] = []
    const report = patchApp({ app: app.app }, fakeMac(calls))
    expect(report.status).toBe('patched')

    const buddy = calls.filter((call) => call.command[0] === '/usr/libexec/PlistBuddy')
    expect(buddy).toHaveLength(2)
    for (const call of buddy) expect(call.command[3]).toMatch(/Info\.plist\.codex-shim-\d+\.tmp$/) // never the live file
    expect((parsePlistXml(readFileSync(app.plist, 'utf8')) as any).ElectronAsarIntegrity['Resources/app.asar'].hash).toBe(report.headerHash.after)

    const signs = calls.filter((call) => call.command[0] === '/usr/bin/codesign' && call.command[1] === '--force')
    expect(signs.map((call) => call.command.slice(1, -1).filter((arg) => !arg.endsWith('.plist')))).toEqual([
      ['--force', '--deep', '--sign', '-'],
      ['--force', '--sign', '-', '--entitlements'],
      ['--force', '--sign', '-', '--entitlements'],
    ])
    expect(signs[0]!.command.at(-1)).toBe(app.app)
    expect(signs[1]!.command.at(-1)).toEndWith('Codex Helper (Renderer).app')
    expect(signs[1]!.entitlements).toEqual(RENDERER_ENTITLEMENTS)
    expect(signs[2]!.command.at(-1)).toBe(app.app) // the outer bundle last, sealing the helpers
    expect(signs[2]!.entitlements).toEqual({ 'com.apple.security.cs.allow-jit': true, 'com.apple.security.device.audio-input': true })
    expect(report.signing.state).toBe('signed')
    if (report.signing.state === 'signed') expect(report.signing.targets.at(-1)!.dropped.sort()).toEqual(['com.apple.application-identifier', 'com.apple.developer.team-identifier', 'keychain-access-groups'])

    // restore-app re-signs by the same rules.
    calls.length = 0
    expect(restoreApp({ app: app.app }, fakeMac(calls)).status).toBe('restored')
    expect(calls.filter((call) => call.command[1] === '--force').map((call) => call.command.at(-1))).toEqual([app.app, expect.stringContaining('(Renderer).app'), app.app])
  })

  test('already patched: re-signs only when the signature does not verify (a run stopped before signing)', async () => {
    const app = await makeCodexApp()
    patchApp({ app: app.app }, fakeMac([]))
    const valid: Call[] = []
    expect(patchApp({ app: app.app }, fakeMac(valid)).status).toBe('already-patched')
    expect(valid.filter((call) => call.command[1] === '--force')).toHaveLength(0)
    const broken: Call[] = []
    const report = patchApp({ app: app.app }, fakeMac(broken, { signatureValid: false }))
    expect(report.status).toBe('already-patched')
    expect(report.signing.state).toBe('signed')
    expect(broken.filter((call) => call.command[1] === '--force').map((call) => call.command.at(-1))).toEqual([app.app, expect.stringContaining('(Renderer).app'), app.app])
  })

  test('without --app it looks in /Applications and ~/Applications, and says so when Codex is not there', () => {
    expect(() => requireApp(undefined, fakeMac([]))).toThrow(`Codex Desktop is not installed in /Applications/Codex.app or ${join(process.env.HOME!, 'Applications', 'Codex.app')}`)
  })

  test('team-bound entitlements', () => {
    expect(['com.apple.developer.team-identifier', 'com.apple.developer.associated-domains', 'com.apple.application-identifier', 'keychain-access-groups', 'com.apple.security.application-groups'].every(isTeamBound)).toBe(true)
    expect(['com.apple.security.cs.allow-jit', 'com.apple.security.device.camera', 'com.apple.security.cs.disable-library-validation'].some(isTeamBound)).toBe(false)
  })
})

describe('other platforms (injected)', () => {
  test.each(['linux', 'win32'] as const)('%s without --app is a usage error (exit 2) that says what to do', (platform) => {
    const host = { ...systemHost, platform }
    expect(() => locateApp(undefined, host)).toThrow(UsageError)
    expect(() => locateApp(undefined, host)).toThrow('pass --app PATH --no-sign')
    if (platform === 'win32') expect(() => locateApp(undefined, host)).toThrow('MSIX')
  })

  test('signing is refused before anything is read or written', async () => {
    const app = await makeCodexApp()
    const before = snapshot(app.app)
    expect(() => patchApp({ app: app.app }, { ...systemHost, platform: 'linux' })).toThrow(UsageError)
    expect(() => restoreApp({ app: app.app }, { ...systemHost, platform: 'linux' })).toThrow('Re-signing needs macOS codesign')
    expect(snapshot(app.app)).toEqual(before)
  })

  awayFromMacTest('a binary Info.plist cannot be updated here (no plutil): refused before any change', async () => {
    const app = await makeCodexApp()
    writeFileSync(app.helperPlist, Buffer.concat([Buffer.from('bplist00'), Buffer.from('ElectronAsarIntegrity Resources/app.asar')]))
    const before = snapshot(app.app)
    expect(() => patchApp({ app: app.app, noSign: true }, systemHost)).toThrow('is a binary property list; only macOS (plutil) can read it. Nothing was changed.')
    expect(snapshot(app.app)).toEqual(before)
  })
})

describe('refusals before any change', () => {
  test('not enough disk space for the backup', async () => {
    const app = await makeCodexApp()
    const before = snapshot(app.app)
    const full: DesktopHost = { ...systemHost, freeBytes: () => 10 * 1024 * 1024 }
    expect(() => patchApp({ app: app.app, noSign: true }, full)).toThrow(/Not enough free disk space for the backup: \d+ MB needed near .*app-backups, 10 MB free/)
    expect(snapshot(app.app)).toEqual(before)
  })

  test('an integrity-digest version we do not know', async () => {
    const app = await makeCodexApp()
    const bytes = readFileSync(app.framework)
    bytes[bytes.indexOf(DIGEST_SENTINEL) + DIGEST_SENTINEL.length + 1] = 2
    writeFileSync(app.framework, bytes)
    const before = snapshot(app.app)
    expect(() => patchApp({ app: app.app, noSign: true }, systemHost)).toThrow('uses integrity digest version 2, which codex-shim does not know')
    expect(snapshot(app.app)).toEqual(before)
  })

  test('an unused digest slot (fails open in Electron) is left alone', async () => {
    const app = await makeCodexApp({ digest: 'unused' })
    const framework = fileSha(app.framework)
    expect(patchApp({ app: app.app, noSign: true }, systemHost).status).toBe('patched')
    expect(fileSha(app.framework)).toBe(framework)
  })
})

describe('permission errors', () => {
  // Tests run as root here, so a read-only /Applications cannot be staged; the mapping is tested directly.
  test('EACCES and EPERM become the sudo / App Management message; other errors pass through', () => {
    for (const code of ['EACCES', 'EPERM']) {
      const denied = Object.assign(new Error(`${code}: permission denied, open '/Applications/Codex.app/Contents/Resources/app.asar.tmp'`), { code })
      expect(isPermissionError(denied)).toBe(true)
      const thrown = (() => {
        try {
          withPermissionHint('/Applications/Codex.app', 'patch-app', () => { throw denied })
        } catch (error) {
          return error
        }
      })()
      expect(thrown).toBeInstanceOf(ShimError)
      expect((thrown as ShimError).message).toBe('Permission denied while changing /Applications/Codex.app. Run `sudo codex-shim patch-app`, and if macOS says your terminal "was prevented from modifying apps", allow it in System Settings → Privacy & Security → App Management, then run the command again.')
    }
    const other = Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' })
    expect(() => withPermissionHint('/x', 'patch-app', () => { throw other })).toThrow(other)
  })
})
