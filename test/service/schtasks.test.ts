import { describe, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { installService, serviceStatus, uninstallService } from '../../src/service/index.ts'
import { quoteWindowsArgument, scheduledTaskCommand } from '../../src/service/schtasks.ts'
import type { ServiceHost } from '../../src/service/types.ts'
import { recordingRunner } from './fake-runner.ts'

const fixture = (name: string) => readFileSync(join(import.meta.dir, 'fixtures', name), 'utf8')

describe('Windows scheduled task', () => {
  test('arguments are quoted the way CommandLineToArgvW splits them', () => {
    expect(quoteWindowsArgument('C:\\Tools\\codex-shim.exe')).toBe('C:\\Tools\\codex-shim.exe')
    expect(quoteWindowsArgument('C:\\Program Files\\codex-shim.exe')).toBe('"C:\\Program Files\\codex-shim.exe"')
    expect(quoteWindowsArgument('C:\\My Dir\\')).toBe('"C:\\My Dir\\\\"') // a trailing backslash must not escape the closing quote
    expect(quoteWindowsArgument('say "hi"')).toBe('"say \\"hi\\""')
  })

  test('the task command starts the proxy on loopback and fits schtasks /TR', () => {
    const command = scheduledTaskCommand({ port: 8765, program: ['C:\\Users\\me\\AppData\\Local\\Programs\\codex-shim\\codex-shim.exe'] })
    expect(command).toBe('C:\\Users\\me\\AppData\\Local\\Programs\\codex-shim\\codex-shim.exe start --foreground --port 8765 --host 127.0.0.1')
    expect(command.length).toBeLessThanOrEqual(261)
  })

  test('install creates an ONLOGON task (replacing any old one) and runs it; uninstall ends and deletes it', async () => {
    let exists = false
    const manager = recordingRunner((argv) => {
      const verb = argv[1]
      if (verb === '/Create') exists = true
      if (verb === '/Delete') exists = false
      if (verb === '/Query') return exists ? { stdout: fixture('schtasks-query-running.txt') } : { code: 1, stderr: 'ERROR: The system cannot find the file specified.' }
      if (verb === '/End' && !exists) return { code: 1 }
      return {}
    })
    const windows: ServiceHost = { platform: 'win32', home: 'C:\\Users\\me', env: {}, uid: 0, run: manager.run }
    const options = { port: 8765, program: ['C:\\Program Files\\codex-shim\\codex-shim.exe'] }

    expect(await serviceStatus(windows, options)).toMatchObject({ manager: 'schtasks', installed: false, running: false, file: null })
    await installService(windows, options)
    expect(manager.calls.slice(1)).toEqual([
      ['schtasks', '/Create', '/F', '/SC', 'ONLOGON', '/RL', 'LIMITED', '/TN', 'codex-shim', '/TR', '"C:\\Program Files\\codex-shim\\codex-shim.exe" start --foreground --port 8765 --host 127.0.0.1'],
      ['schtasks', '/End', '/TN', 'codex-shim'],
      ['schtasks', '/Run', '/TN', 'codex-shim'],
    ])
    expect(await serviceStatus(windows, options)).toMatchObject({ installed: true, running: true, detail: 'Task Scheduler: Running' })

    manager.calls.length = 0
    expect((await uninstallService(windows, options)).state).toBe('removed')
    expect(manager.calls.map((argv) => argv[1])).toEqual(['/Query', '/End', '/Delete'])
    expect((await uninstallService(windows, options)).state).toBe('not-installed')
  })

  test('a task that exists but does not run reads as installed, not running', async () => {
    const manager = recordingRunner(() => ({ stdout: fixture('schtasks-query-ready.txt') }))
    const windows: ServiceHost = { platform: 'win32', home: 'C:\\Users\\me', env: {}, uid: 0, run: manager.run }
    expect(await serviceStatus(windows, { port: 8765, program: [] })).toMatchObject({ installed: true, loaded: true, running: false, detail: 'Task Scheduler: Ready' })
  })
})
