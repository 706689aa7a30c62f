// Preloaded by bunfig.toml: no test sees the real home directory or a real key.
import { afterAll } from 'bun:test'
import { mkdtempSync, mkdirSync, realpathSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'

// Resolved: macOS's temporary folder (/var/folders/…) is a link into /private/var, which is what a
// child's cwd and a compiled binary's execPath report.
const root = realpathSync(mkdtempSync(join(tmpdir(), 'codex-shim-test-')))
// Removed when the run ends: a whole-suite run leaves ~0.9 GB here (fake app bundles, ledgers,
// homes), and nothing else cleans /tmp. CODEX_SHIM_KEEP_TEST_ROOT=1 keeps it to look into.
// (A hook in this preload runs once, after every file.)
if (process.env.CODEX_SHIM_KEEP_TEST_ROOT !== '1') {
  afterAll(() => {
    try {
      rmSync(root, { recursive: true, force: true })
    } catch {
      // A child still writing into it (a daemon a test left running): the system's tmp cleaner gets the rest.
    }
  })
}
process.env.HOME = join(root, 'home')
process.env.USERPROFILE = process.env.HOME
process.env.CODEX_HOME = join(root, 'home', '.codex')
process.env.CODEX_SHIM_HOME = join(root, 'home', '.codex-shim')
mkdirSync(process.env.CODEX_HOME, { recursive: true })
mkdirSync(process.env.CODEX_SHIM_HOME, { recursive: true })

for (const name of Object.keys(process.env)) {
  if (/(_API_KEY|_TOKEN|_ACCESS_KEY)$/.test(name) || /^(OPENAI|ANTHROPIC|DEEPSEEK|GEMINI|OPENROUTER|CODEX_SHIM)_/.test(name)) {
    if (name !== 'CODEX_SHIM_HOME') delete process.env[name]
  }
}
// Loopback must never go through a proxy in tests.
for (const name of ['HTTP_PROXY', 'HTTPS_PROXY', 'ALL_PROXY', 'http_proxy', 'https_proxy', 'all_proxy']) delete process.env[name]
process.env.NO_PROXY = process.env.no_proxy = '127.0.0.1,localhost,::1'

// The real clients (codex) live in node_modules/.bin; `bun test` alone does not add it.
process.env.PATH = [resolve(import.meta.dir, '..', 'node_modules', '.bin'), process.env.PATH].join(delimiter)
process.env.CODEX_SHIM_TEST_ROOT = root
