/**
 * The CI job for macOS and Windows (.github/workflows/ci.yml): the unit and
 * integration tests that run there, named one by one rather than through
 * `--path-ignore-patterns`, whose globs have not been seen matching Windows
 * paths. Left out everywhere: the real-client e2e suites (test/e2e,
 * *.e2e.test.ts), the browser tests (*.browser.test.ts) and *.linux.test.ts
 * (systemd-analyze, strace); on Windows also *.posix.test.ts (fakes run by
 * their shebang, pseudo-terminals, process groups, files removed while open).
 *
 *   bun scripts/test-other-os.ts            # runs them
 *   bun scripts/test-other-os.ts --list     # prints them
 */
import { join } from 'node:path'

const root = join(import.meta.dir, '..')

const LINUX_JOB_ONLY = [/^test\/e2e\//, /\.e2e\.test\.ts$/, /\.browser\.test\.ts$/, /\.linux\.test\.ts$/]
const POSIX_ONLY = /\.posix\.test\.ts$/

/** The test files (paths from the repository root, with /) this platform's CI job runs. */
export function otherOsTestFiles(platform: NodeJS.Platform, all: string[]): string[] {
  return all
    .map((path) => path.replaceAll('\\', '/'))
    .filter((path) => !LINUX_JOB_ONLY.some((pattern) => pattern.test(path)))
    .filter((path) => platform !== 'win32' || !POSIX_ONLY.test(path))
    .sort()
}

export function allTestFiles(): string[] {
  return [...new Bun.Glob('test/**/*.test.ts').scanSync({ cwd: root })]
}

if (import.meta.main) {
  const files = otherOsTestFiles(process.platform, allTestFiles())
  if (process.argv.includes('--list')) console.log(files.join('\n'))
  else {
    // `./` makes each a path for bun test rather than a name filter.
    const run = Bun.spawnSync([process.execPath, 'test', ...files.map((file) => `./${file}`)], { cwd: root, stdio: ['inherit', 'inherit', 'inherit'] })
    process.exit(run.exitCode ?? 1)
  }
}
