import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { defineCommand } from 'citty'
import { closestMatch, unknownArgument } from '../../src/commands/_run.ts'
import { applyColorChoice, argsForInvocation, colorWanted, shortcutFor } from '../../src/commands/_args.ts'
import { colourFreeEnv } from '../support/terminal.ts'

const root = join(import.meta.dir, '../..')
const ESC = '\u001b'

function piped(args: string[], extra: Record<string, string> = {}) {
  const result = Bun.spawnSync([process.execPath, 'src/cli.ts', ...args], { cwd: root, env: colourFreeEnv(extra), stdout: 'pipe', stderr: 'pipe' })
  const stdout = result.stdout.toString()
  const stderr = result.stderr.toString()
  return { code: result.exitCode, stdout, stderr, output: stdout + stderr }
}

describe('colour follows the terminal, NO_COLOR and FORCE_COLOR', () => {
  test('piped: --help and an error carry no escape codes', () => {
    const help = piped(['--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('USAGE codex-shim')
    expect(help.output).not.toContain(ESC)
    const error = piped(['start', '--port', 'abc'])
    expect(error.code).toBe(2)
    expect(error.output).toContain('--port expects a number')
    expect(error.output).not.toContain(ESC)
    const unknown = piped(['stat'])
    expect(unknown.output).not.toContain(ESC)
  })

  test('subcommand help names the whole command from codex-shim, with no padding at line ends', () => {
    const help = piped(['model', 'list', '--help'])
    expect(help.code).toBe(0)
    expect(help.stdout).toContain('USAGE codex-shim model list [OPTIONS]\n')
    expect(help.stdout.split('\n')[0]).toEndWith('(codex-shim model list)')
    expect(help.stdout).not.toMatch(/ +$/m)
  })

  test('piped with FORCE_COLOR=1: colour', () => {
    expect(piped(['--help'], { FORCE_COLOR: '1' }).stdout).toContain(ESC)
    expect(piped(['stat'], { FORCE_COLOR: '1' }).output).toContain(ESC)
  })

  test('colorWanted: FORCE_COLOR beats NO_COLOR; FORCE_COLOR=0, NO_COLOR and TERM=dumb turn it off; else the TTY decides', () => {
    expect(colorWanted({}, true)).toBe(true)
    expect(colorWanted({}, false)).toBe(false)
    expect(colorWanted({ FORCE_COLOR: '1' }, false)).toBe(true)
    expect(colorWanted({ FORCE_COLOR: '1', NO_COLOR: '1' }, true)).toBe(true)
    expect(colorWanted({ FORCE_COLOR: '0' }, true)).toBe(false)
    expect(colorWanted({ NO_COLOR: 'yes' }, true)).toBe(false)
    expect(colorWanted({ NO_COLOR: '' }, true)).toBe(true) // no-color.org: only a non-empty value counts
    expect(colorWanted({ TERM: 'dumb' }, true)).toBe(false)
  })

  test('applyColorChoice puts the environment back for child processes', () => {
    const env: NodeJS.ProcessEnv = { CI: 'true', TERM: 'xterm' }
    const restore = applyColorChoice(env, false)
    expect(env.NO_COLOR).toBe('1')
    restore()
    expect(env).toEqual({ CI: 'true', TERM: 'xterm' })
  })
})

describe('unknown commands and options', () => {
  test.each([
    [['stat'], 'Unknown command "stat". Did you mean "status"?'],
    [['start', '--verbos'], 'Unknown option "--verbos" for "start". Did you mean "--verbose"?'],
    [['model', 'lst'], 'Unknown command "lst" for "model". Did you mean "list"?'],
    [['model', 'use', 'x', '--settigs', 'f'], 'Unknown option "--settigs" for "model use". Did you mean "--settings"?'],
    [['frobnicate'], 'Unknown command "frobnicate". See codex-shim --help.'],
    [['model'], 'Missing command for "model": expected one of list, use. See codex-shim model --help.'],
    [['model', 'use'], 'Missing argument SLUG for "model use". See codex-shim model use --help.'],
    [['router', 'explain', '--json'], 'Missing argument TASK for "router explain".'],
    [['discover'], 'Missing argument URL for "discover".'],
    [['service'], 'Missing command for "service": expected one of install, uninstall, status.'],
  ])('%p: exit 2, one line naming it and the closest match', (args, message) => {
    const run = piped(args)
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('') // not the usage
    const lines = run.stderr.split('\n').filter((line) => line.trim())
    expect(lines).toHaveLength(1)
    expect(lines[0]).toContain(message)
  })

  test('no command at all: the list of commands, exit 2; an optional argument may be left out; --help is never refused', () => {
    const bare = piped([])
    expect(bare.code).toBe(2)
    expect(bare.stdout).toContain('COMMANDS')
    expect(bare.stdout).toContain('status')
    expect(piped(['model', 'use', '--help']).code).toBe(0)
    expect(piped(['service', '--help']).code).toBe(0)
    expect(piped(['app', '--help']).code).toBe(0)
  })

  test('known flags, --flag=value and a value that looks like a command pass the check', () => {
    const run = piped(['status', '--json', '--verbose'])
    expect(run.output).not.toContain('Unknown')
    expect(piped(['start', '--port=abc']).output).toContain('--port expects a number')
    expect(piped(['start', '--port', 'stat']).output).toContain('--port expects a number') // "stat" is the value, not a command
  })

  test('everything after -- belongs to the child program; aliases and --no- forms are known', async () => {
    const codex = defineCommand({ meta: { name: 'codex' }, args: { model: { type: 'string', alias: 'm' }, verbose: { type: 'boolean' } }, run() {} })
    const main = defineCommand({ meta: { name: 'codex-shim' }, subCommands: { codex } })
    expect(await unknownArgument(main, ['codex', '-m', 'x', '--no-verbose', '--', '--anything', 'exec'], ['codex-shim'])).toBeNull()
    expect(await unknownArgument(main, ['codex', '--anything', '--', 'exec'], ['codex-shim'])).toContain('Unknown option "--anything" for "codex"')
  })

  test.each(['start', 'stop', 'restart', 'status', 'list', 'generate', 'enable', 'disable', 'model', 'codex', 'app', 'usage', 'doctor', 'install-shortcuts'])('%s --help works', (command) => {
    const run = piped([command, '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`codex-shim ${command}`)
  })

  test('closestMatch prefers a command the input begins', () => {
    expect(closestMatch('stat', ['start', 'status', 'stop'])).toBe('status')
    expect(closestMatch('stpo', ['start', 'status', 'stop'])).toBe('stop')
    expect(closestMatch('xyz', ['start', 'status', 'stop'])).toBeNull()
  })
})

describe('shortcut names', () => {
  test('codex-app and codex-model map to their command, by basename, with Windows suffixes', () => {
    expect(argsForInvocation('/usr/local/bin/codex-model', ['list'])).toEqual(['model', 'list'])
    expect(argsForInvocation('codex-app', ['.'])).toEqual(['app', '.'])
    expect(argsForInvocation('C:\\Tools\\codex-model.exe', ['use', 'x'])).toEqual(['model', 'use', 'x'])
    expect(shortcutFor('CODEX-APP.CMD')).toBe('codex-app')
    expect(shortcutFor('codex-model.bat.exe')).toBeNull() // one suffix comes off, as Windows runs it
    expect(argsForInvocation('/usr/bin/bun', ['status'])).toEqual(['status'])
    expect(argsForInvocation('codex-shim', ['model', 'list'])).toEqual(['model', 'list'])
  })
})
