import { expect, test } from 'bun:test'
import { join } from 'node:path'
import { onTerminal } from '../support/terminal.ts'

// POSIX: a pipe through `sh` and `head`, and a pseudo-terminal (Windows has neither to give). The
// logger's other tests, portable, are in startup-path.test.ts.
const root = join(import.meta.dir, '../..')

test('a reader that goes away (`… | head`) costs the lines it would have read, not the process', () => {
  const script = `import { log } from './src/log.ts'; for (let i = 0; i < 3000; i++) log.info('line ' + i + ' ' + 'x'.repeat(100)); await Bun.sleep(20); log.error('still here')`
  const result = Bun.spawnSync(['sh', '-c', `"$0" -e "${script}" | head -1`, process.execPath], { cwd: root, env: { ...process.env, NODE_ENV: 'production' }, stdout: 'pipe', stderr: 'pipe' })
  expect(result.stdout.toString()).toStartWith('[info] line 0 ')
  expect(result.stderr.toString()).toContain('[error] still here')
  expect(result.stderr.toString()).not.toContain('EPIPE')
})

test('isTerminal answers like isatty on a pseudo-terminal', async () => {
  const script = `import { isTerminal } from './src/log.ts'; console.log(isTerminal(1), isTerminal(2))`
  const { code, screen } = await onTerminal([process.execPath, '-e', script], { cwd: root })
  expect(code).toBe(0)
  expect(screen.replace(/\x1b\[[0-9;]*m/g, '').trim()).toBe('true true')
})
