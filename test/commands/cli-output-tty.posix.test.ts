import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { colourFreeEnv, onTerminal } from '../support/terminal.ts'

// POSIX: a pseudo-terminal (Windows has none to give).
const root = join(import.meta.dir, '../..')
const ESC = '\u001b'
const cli = (args: string[], extra: Record<string, string> = {}) => onTerminal([process.execPath, 'src/cli.ts', ...args], { cwd: root, env: colourFreeEnv(extra) })

test('on a terminal: colour, unless NO_COLOR is set', async () => {
  const tty = await cli(['--help'])
  expect(tty.screen).toContain('USAGE')
  expect(tty.screen).toContain(ESC)
  const noColor = await cli(['--help'], { NO_COLOR: '1' })
  expect(noColor.screen).toContain('USAGE')
  expect(noColor.screen).not.toContain(ESC)
  const error = await cli(['stat'], { NO_COLOR: '1' })
  expect(error.screen).toContain('Unknown command "stat"')
  expect(error.screen).not.toContain(ESC)
})
