import { afterAll, describe, expect, test } from 'bun:test'
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, freshHomes, runCli } from '../support/cli.ts'

// POSIX: the fake codex is a shell script run by its shebang.
const work = join(process.env.CODEX_SHIM_TEST_ROOT!, 'no-daemon')
mkdirSync(work, { recursive: true })

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
