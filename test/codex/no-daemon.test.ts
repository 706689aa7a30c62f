import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { codexCli, parseCodexHelp } from '../../src/codex/find-codex.ts'
import { withNoDaemon } from '../../src/codex/launch.ts'
import { freePort, freshHomes, runCli } from '../support/cli.ts'

const root = join(import.meta.dir, '../..')
const pinnedCodex = join(root, 'node_modules/.bin/codex')
const work = join(process.env.CODEX_SHIM_TEST_ROOT!, 'no-daemon')
mkdirSync(work, { recursive: true })

const cli = (noDaemon: Record<string, boolean>) => ({
  commands: ['exec', 'e', 'resume', 'fork', 'agents', 'login', 'mcp'],
  valueOptions: ['-c', '--config', '-m', '--model', '-C', '--cd'],
  supportsNoDaemon: (command: string) => noDaemon[command] ?? false,
})
const modern = cli({ '': true, resume: true, fork: true, agents: true })

describe('--no-daemon for interactive codex runs', () => {
  test.each([
    [[], ['--no-daemon']],
    [['fix the bug'], ['--no-daemon', 'fix the bug']],
    [['-m', 'exec', 'hello'], ['--no-daemon', '-m', 'exec', 'hello']], // "exec" is the model's value here
    [['-C', '/tmp', '--', 'exec'], ['--no-daemon', '-C', '/tmp', '--', 'exec']],
    [['resume', '--last'], ['resume', '--no-daemon', '--last']],
    [['-c', 'x=1', 'fork'], ['-c', 'x=1', 'fork', '--no-daemon']],
    [['exec', 'task'], ['exec', 'task']],
    [['e', 'task'], ['e', 'task']],
    [['login'], ['login']],
    [['--no-daemon'], ['--no-daemon']],
    [['--remote', 'ws://127.0.0.1:1'], ['--remote', 'ws://127.0.0.1:1']],
  ])('%p → %p', (rest, expected) => {
    expect(withNoDaemon(rest, modern)).toEqual(expected)
  })

  test('a Codex without the flag gets nothing new', () => {
    expect(withNoDaemon([], cli({}))).toEqual([])
    expect(withNoDaemon(['resume'], cli({ '': true }))).toEqual(['resume'])
  })

  test('the pinned Codex has --no-daemon at the top level and on resume; exec has not', () => {
    const found = codexCli(pinnedCodex)
    expect(found.noDaemon['']).toBe(true)
    expect(found.commands).toContain('exec')
    expect(found.commands).toContain('e')
    expect(found.valueOptions).toContain('--model')
    expect(found.supportsNoDaemon('resume')).toBe(true)
    expect(found.supportsNoDaemon('exec')).toBe(false)
  })

  test('parseCodexHelp reads commands, aliases on continuation lines, and value options', () => {
    const help = ['Usage: codex [OPTIONS] [PROMPT]', '', 'Commands:', '  exec      Run [aliases: e]', '  apply     Apply the latest diff', '            to your tree [aliases: a]', '', 'Options:', '  -c, --config <key=value>', '          Override', '      --oss', '          Use oss', '      --no-daemon', '          Run without', ''].join('\n')
    expect(parseCodexHelp(help)).toEqual({ commands: ['exec', 'e', 'apply', 'a'], valueOptions: ['-c', '--config'], noDaemon: true })
  })
})

describe('codex-shim codex passes --no-daemon (fake codex records its argv)', () => {
  const homes = freshHomes('no-daemon-fake')
  const port = String(freePort())
  afterAll(() => {
    runCli(['stop'], homes)
  })

  function fakeCodex(name: string, withFlag: boolean): { bin: string; argvLog: string; helpCalls: string } {
    const bin = join(work, name)
    const argvLog = join(work, `${name}.argv`)
    const helpCalls = join(work, `${name}.help`)
    const help = `Usage: codex [OPTIONS] [PROMPT]\\n\\nCommands:\\n  exec      Run non-interactively [aliases: e]\\n  resume    Resume\\n\\nOptions:\\n  -m, --model <MODEL>\\n          Model\\n${withFlag ? '      --no-daemon\\n          Run without the shared background server\\n' : ''}`
    writeFileSync(bin, `#!/bin/sh\nfor a in "$@"; do if [ "$a" = "--help" ]; then echo "$*" >> '${helpCalls}'; printf '${help}'; exit 0; fi; done\nprintf '%s\\n' "$@" > '${argvLog}'\n`)
    chmodSync(bin, 0o755)
    return { bin, argvLog, helpCalls }
  }

  test('interactive: added when the installed codex supports it; exec: never; an older codex: never', () => {
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'ollama' }] }))
    const modernCodex = fakeCodex('codex-modern', true)
    const env = { ...homes, CODEX_SHIM_CODEX_BIN: modernCodex.bin }
    expect(runCli(['codex', '--port', port], env).code).toBe(0)
    const argv = readFileSync(modernCodex.argvLog, 'utf8').trim().split('\n')
    expect(argv).toContain('--no-daemon')
    expect(argv.indexOf('--no-daemon')).toBeGreaterThan(argv.lastIndexOf('-c'))

    expect(runCli(['codex', '--port', port, '--', 'exec', 'task'], env).code).toBe(0)
    expect(readFileSync(modernCodex.argvLog, 'utf8').trim().split('\n')).not.toContain('--no-daemon')
    // `codex --help` ran once for both launches: the answer is cached per binary.
    expect(readFileSync(modernCodex.helpCalls, 'utf8').trim().split('\n')).toHaveLength(1)

    const olderCodex = fakeCodex('codex-older', false)
    expect(runCli(['codex', '--port', port], { ...homes, CODEX_SHIM_CODEX_BIN: olderCodex.bin }).code).toBe(0)
    expect(existsSync(olderCodex.argvLog)).toBe(true)
    expect(readFileSync(olderCodex.argvLog, 'utf8')).not.toContain('--no-daemon')
  })
})
