import { describe, expect, test } from 'bun:test'
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { systemdUnit } from '../../src/service/systemd.ts'

// Linux only (CI skips *.linux.test.ts on macOS and Windows): it runs the real systemd-analyze.
const scratch = () => mkdtempSync(join(process.env.CODEX_SHIM_TEST_ROOT!, 'service-'))

/** A real executable file: systemd-analyze verify checks that ExecStart's program exists. */
function fakeBinary(dir: string): string {
  const path = join(dir, 'bin dir', 'codex-shim')
  mkdirSync(join(dir, 'bin dir'), { recursive: true })
  writeFileSync(path, '#!/bin/sh\necho 0.1.0\n')
  chmodSync(path, 0o755)
  return path
}

function verify(unitPath: string): { code: number; output: string } {
  const result = Bun.spawnSync(['systemd-analyze', 'verify', unitPath], { stdout: 'pipe', stderr: 'pipe' })
  return { code: result.exitCode ?? -1, output: result.stdout.toString() + result.stderr.toString() }
}

describe('systemd-analyze verify', () => {
  test('the generated unit passes systemd-analyze verify, and verify catches a broken one', () => {
    const dir = scratch()
    const binary = fakeBinary(dir)
    const unitPath = join(dir, 'codex-shim.service')
    writeFileSync(unitPath, systemdUnit({ home: dir, env: { CODEX_SHIM_HOME: join(dir, 'shim home 100%') } }, { port: 8765, program: [binary] }))
    const good = verify(unitPath)
    expect(good.output).toBe('') // verify exits 0 on warnings too; any output is a problem
    expect(good.code).toBe(0)

    // Control: the same check fails when ExecStart points nowhere, so a pass above means something.
    const brokenPath = join(dir, 'broken.service')
    writeFileSync(brokenPath, systemdUnit({ home: dir, env: {} }, { port: 8765, program: [join(dir, 'missing')] }))
    const broken = verify(brokenPath)
    expect(broken.code).not.toBe(0)
    expect(broken.output).toContain('is not executable')
  })

  test('a source checkout runs as `bun /abs/src/cli.ts`, quoted when the path has spaces', () => {
    const dir = scratch()
    const bun = fakeBinary(dir)
    const unitPath = join(dir, 'codex-shim.service')
    writeFileSync(unitPath, systemdUnit({ home: dir, env: {} }, { port: 8765, program: [bun, join(dir, 'src dir', 'cli.ts')] }))
    expect(readFileSync(unitPath, 'utf8')).toContain(`ExecStart="${bun}" "${join(dir, 'src dir', 'cli.ts')}" start`)
    expect(verify(unitPath)).toEqual({ code: 0, output: '' })
  })

})
