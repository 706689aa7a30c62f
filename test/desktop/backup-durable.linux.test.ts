// patch-app's backup is on disk before the original is replaced: a crash just after patching
// must not leave a backup whose bytes were still in the page cache (restore-app would refuse
// it as damaged). Read from strace, which prints each fsync'd file's path (-y). Linux with strace.
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { makeCodexApp } from './_bundle.ts'
import { freshShimHome } from './_run.ts'

test('the backup of app.asar and the plists is fsynced, and its folder with it', async () => {
  if (!Bun.which('strace')) throw new Error('strace is missing: install it with `apt-get install -y strace` and run the tests again.')
  const app = await makeCodexApp()
  const home = freshShimHome(app.root)
  const trace = join(app.root, 'strace.txt')
  const child = Bun.spawnSync(['strace', '-f', '-y', '-o', trace, '-e', 'trace=fsync,fdatasync', process.execPath, join(import.meta.dir, '_runner.ts'), 'patch-app', '--app', app.app, '--no-sign'], { env: { ...process.env, CODEX_SHIM_HOME: home, NO_COLOR: '1' }, stdout: 'pipe', stderr: 'pipe' })
  expect(child.exitCode).toBe(0)
  const synced = readFileSync(trace, 'utf8').split('\n').map((line) => /f(?:data)?sync\(\d+<([^>]+)>\) = 0/.exec(line)?.[1]).filter(Boolean) as string[]
  const backups = join(home, 'app-backups')
  expect(synced.some((path) => path.startsWith(backups) && path.endsWith('/app.asar'))).toBe(true)
  expect(synced.filter((path) => path.startsWith(backups) && path.includes('/plists/')).length).toBeGreaterThanOrEqual(2)
  expect(synced).toContain(backups)
}, 60_000)
