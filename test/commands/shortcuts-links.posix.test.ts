import { beforeAll, describe, expect, test } from 'bun:test'
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { installShortcuts } from '../../src/commands/install-shortcuts.ts'
import { freshHomes } from '../support/cli.ts'

// POSIX: the shortcuts are symlinks to a binary built without an .exe (Windows writes .cmd files,
// tested in shortcuts.test.ts on a synthetic platform).

const root = join(import.meta.dir, '../..')
const work = join(process.env.CODEX_SHIM_TEST_ROOT!, 'shortcuts-links')
const binary = join(work, 'build', 'codex-shim')
const model = (slug: string) => ({ slug, model: `${slug}-model`, provider: 'ollama' })

function run(executable: string, args: string[], env: Record<string, string>) {
  const result = Bun.spawnSync([executable, ...args], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe', timeout: 60_000 })
  const stdout = result.stdout.toString()
  const stderr = result.stderr.toString()
  return { code: result.exitCode, stdout, stderr, output: stdout + stderr }
}

// The real thing: a compiled binary (built once for this file), reached through its shortcut symlinks.
beforeAll(async () => {
  mkdirSync(join(work, 'build'), { recursive: true })
  const result = await Bun.build({
    entrypoints: [join(root, 'src/cli.ts')],
    compile: { outfile: binary, autoloadBunfig: false, autoloadDotenv: false },
    format: 'esm',
  } as Parameters<typeof Bun.build>[0])
  if (!result.success) throw new Error(result.logs.map(String).join('\n'))
}, 120_000)

describe('codex-app and codex-model shortcuts (compiled binary)', () => {
  test('install-shortcuts links both names to the binary; codex-model list and use work through the link', () => {
    const homes = freshHomes('shortcuts')
    const bin = join(work, 'bin')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [model('fake'), model('other')] }))

    const dry = run(binary, ['install-shortcuts', '--dir', bin, '--dry-run'], homes)
    expect(dry.code).toBe(0)
    expect(dry.output).toContain(`would be created: ${join(bin, 'codex-model')} -> ${binary}`)
    expect(existsSync(join(bin, 'codex-model'))).toBe(false)

    const install = run(binary, ['install-shortcuts', '--dir', bin], homes)
    expect(install.code).toBe(0)
    for (const name of ['codex-app', 'codex-model']) {
      expect(lstatSync(join(bin, name)).isSymbolicLink()).toBe(true)
      expect(readlinkSync(join(bin, name))).toBe(binary)
    }
    expect(install.output).toContain('is not on your PATH')
    expect(run(binary, ['install-shortcuts', '--dir', bin], homes).output).toContain(`unchanged: ${join(bin, 'codex-app')}`)

    const codexModel = join(bin, 'codex-model')
    const list = run(codexModel, ['list'], homes)
    expect(list.code).toBe(0)
    expect(list.stdout).toContain('fake')
    expect(list.stdout).toContain('other')

    expect(run(binary, ['enable', '--port', '8799'], homes).code).toBe(0)
    const use = run(codexModel, ['use', 'other'], homes)
    expect(use.code).toBe(0)
    expect(use.output).toContain('Codex will use other')
    expect(readFileSync(join(homes.CODEX_HOME, 'config.toml'), 'utf8')).toContain('model = "other"')
    expect(JSON.parse(run(codexModel, ['list', '--json'], homes).stdout)).toEqual({ current: 'other', models: ['fake', 'other'] })

    // Found on PATH by name, too.
    const byName = run('codex-model', ['list', '--json'], { ...homes, PATH: `${bin}:${process.env.PATH}` })
    expect(JSON.parse(byName.stdout).current).toBe('other')
    const appHelp = run(join(bin, 'codex-app'), ['--help'], homes)
    expect(appHelp.code).toBe(0)
    expect(appHelp.stdout).toContain('codex-shim app')
  })

  test('a file of the same name that is not ours is left alone', () => {
    const bin = join(work, 'foreign')
    mkdirSync(bin, { recursive: true })
    writeFileSync(join(bin, 'codex-app'), '#!/bin/sh\necho mine\n')
    const result = run(binary, ['install-shortcuts', '--dir', bin], freshHomes('foreign'))
    expect(result.code).toBe(1)
    expect(result.output).toContain(`${join(bin, 'codex-app')} already exists and is not a codex-shim shortcut`)
    expect(readFileSync(join(bin, 'codex-app'), 'utf8')).toBe('#!/bin/sh\necho mine\n')
  })
})

describe('install-shortcuts over an old link', () => {
  test('a symlink of ours pointing at an old binary is replaced', () => {
    const dir = join(work, 'relink')
    mkdirSync(dir, { recursive: true })
    symlinkSync('/old/codex-shim', join(dir, 'codex-app'))
    const results = installShortcuts({ dir, executable: '/new/codex-shim', platform: 'linux' })
    expect(results.find((result) => result.name === 'codex-app')!.state).toBe('updated')
    expect(readlinkSync(join(dir, 'codex-app'))).toBe('/new/codex-shim')
  })
})
