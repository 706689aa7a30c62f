import { expect, test } from 'bun:test'
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'
import { isAlive } from '../../src/daemon/pid-file.ts'

const cli = join(import.meta.dir, '../../src/cli.ts')

// POSIX: signals, and a fake codex run by its shebang.
test('SIGTERM to codex-shim codex reaches Codex too (no orphan left editing files); its exit code comes back', async () => {
  const homes = freshHomes('codex-sigterm')
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ slug: 'fake', model: 'm', provider: 'ollama' }] }))
  const bin = join(homes.CODEX_SHIM_HOME, 'slow-codex')
  const pidFile = join(homes.CODEX_SHIM_HOME, 'slow-codex.pid')
  writeFileSync(bin, `#!/bin/sh\n# Only the task runs long; --version, --help and debug models (asked while generating) answer at once.\ncase "$*" in *task*) echo $$ > '${pidFile}'; exec sleep 30;; esac\n`)
  chmodSync(bin, 0o755)
  const env = { ...process.env, ...homes, CODEX_SHIM_CODEX_BIN: bin, CODEX_SHIM_DISABLE_CHATGPT: '1', CODEX_SHIM_DISABLE_CURSOR: '1' }
  const shim = Bun.spawn([process.execPath, cli, 'codex', '--port', String(freePort()), '--', 'exec', 'task'], { env, stdout: 'ignore', stderr: 'ignore' })
  let codexPid = 0
  try {
    for (let waited = 0; !existsSync(pidFile) && waited < 15_000; waited += 50) await Bun.sleep(50)
    await Bun.sleep(100)
    codexPid = Number(readFileSync(pidFile, 'utf8'))
    expect(isAlive(codexPid)).toBe(true)
    shim.kill('SIGTERM')
    expect(await shim.exited).toBe(143) // Codex's own end (128 + SIGTERM), passed on
    expect(isAlive(codexPid)).toBe(false)
  } finally {
    if (codexPid && isAlive(codexPid)) process.kill(codexPid, 'SIGKILL')
    runCli(['stop'], homes)
  }
}, 30_000)
