import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { codexCli, parseCodexHelp } from '../../src/codex/find-codex.ts'
import { withNoDaemon } from '../../src/codex/launch.ts'

const root = join(import.meta.dir, '../..')
const pinnedCodex = join(root, 'node_modules/.bin/codex')

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

