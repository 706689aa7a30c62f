import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { restartCodexDesktop, type CommandRunner } from '../../src/ui/desktop-launcher.ts'

function fakeRunner(codes: Record<string, number> = {}) {
  const calls: { argv: string[]; wait: boolean }[] = []
  const run: CommandRunner = async (argv, options = {}) => {
    calls.push({ argv, wait: options.wait !== false })
    return { code: codes[argv[0]!] ?? 0 }
  }
  return { run, calls }
}
const noSleep = async () => {}

describe('restartCodexDesktop', () => {
  test('macOS: quits through AppleScript, then open -a Codex', async () => {
    const { run, calls } = fakeRunner()
    const waits: number[] = []
    const message = await restartCodexDesktop({ platform: 'darwin', run, sleep: async (ms) => void waits.push(ms) })
    expect(calls.map((call) => call.argv)).toEqual([['osascript', '-e', 'quit app "Codex"'], ['open', '-a', 'Codex']])
    expect(waits).toEqual([1000])
    expect(message).toBe('Restarted Codex Desktop with the new model.')
  })

  test('macOS: a failing open -a is an error that says what to do', async () => {
    const { run } = fakeRunner({ open: 1 })
    await expect(restartCodexDesktop({ platform: 'darwin', run, sleep: noSleep })).rejects.toThrow('Is it installed in /Applications?')
  })

  test('Windows: taskkill, then the installer\'s Codex.exe under LOCALAPPDATA, detached', async () => {
    const { run, calls } = fakeRunner({ taskkill: 128 }) // not running: fine
    const exe = join('C:\\Users\\u\\AppData\\Local', 'Programs', 'Codex', 'Codex.exe')
    const message = await restartCodexDesktop({ platform: 'win32', run, sleep: noSleep, env: { LOCALAPPDATA: 'C:\\Users\\u\\AppData\\Local' }, exists: (path) => path.endsWith('Codex.exe') })
    expect(calls).toEqual([
      { argv: ['taskkill', '/IM', 'Codex.exe', '/F'], wait: true },
      { argv: [exe], wait: false },
    ])
    expect(message).toContain('Restarted')
  })

  test('Windows: without that exe (Store build), starts Codex.exe through the shell', async () => {
    const { run, calls } = fakeRunner()
    await restartCodexDesktop({ platform: 'win32', run, sleep: noSleep, env: { LOCALAPPDATA: 'C:\\x' }, exists: () => false })
    expect(calls.at(-1)).toEqual({ argv: ['cmd', '/c', 'start', '""', 'Codex.exe'], wait: false })
  })

  test('Linux: runs nothing and says Desktop does not run there', async () => {
    const { run, calls } = fakeRunner()
    const message = await restartCodexDesktop({ platform: 'linux', run, sleep: noSleep })
    expect(calls).toEqual([])
    expect(message).toContain('does not run on this system')
  })
})
