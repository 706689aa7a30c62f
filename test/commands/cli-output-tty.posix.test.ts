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

test('a reader that stops early (start | head): no stack trace on the terminal, and start still succeeds', async () => {
  // stdout is a pipe that `head` closes after 5 bytes; stderr is the terminal, where the EPIPE used to land.
  const run = `${process.execPath} src/cli.ts start --port 0 | head -c 5; echo " start=\${PIPESTATUS[0]}"; ${process.execPath} src/cli.ts stop >/dev/null`
  const { screen } = await onTerminal(['bash', '-c', run], { cwd: root, env: colourFreeEnv({ NO_COLOR: '1' }) })
  expect(screen).not.toContain('EPIPE')
  expect(screen).toContain('start=0')
})
