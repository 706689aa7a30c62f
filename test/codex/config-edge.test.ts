import { describe, expect, test } from 'bun:test'
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import TOML from '@iarna/toml'
import { applyManagedBlock, hasManagedBlock, managedModel, managedPort, managedTokenEnv, removeManagedBlock } from '../../src/codex/config-block.ts'
import { ConfigEditError } from '../../src/codex/config-edit-error.ts'
import { disableCodexConfig, enableCodexConfig, useModelInConfig } from '../../src/codex/manage-config.ts'

const options = { model: 'fake', port: 8765, catalogPath: '/tmp/catalog.json' }

let n = 0
function freshDir(): string {
  const dir = join(process.env.CODEX_SHIM_TEST_ROOT!, `config-edge-${++n}`)
  mkdirSync(dir, { recursive: true })
  return dir
}

describe('config.toml edge cases', () => {
  test('a symlinked config.toml: enable and disable write through to the target and keep the link', () => {
    const dir = freshDir()
    mkdirSync(join(dir, 'dotfiles'))
    const target = join(dir, 'dotfiles', 'codex.toml')
    const original = 'approval_policy = "on-request"\n'
    writeFileSync(target, original)
    const link = join(dir, 'config.toml')
    symlinkSync(target, link)

    expect(enableCodexConfig(options, link).changed).toBe(true)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readlinkSync(link)).toBe(target)
    expect(readFileSync(target, 'utf8')).toContain('[model_providers.codex_shim]')
    expect(readFileSync(`${link}.codex-shim.bak`, 'utf8')).toBe(original)

    expect(disableCodexConfig(link).changed).toBe(true)
    expect(lstatSync(link).isSymbolicLink()).toBe(true)
    expect(readFileSync(target, 'utf8')).toBe(original)
  })

  test('a symlinked config.toml whose target does not exist yet: enable creates the target and keeps the link', () => {
    const dir = freshDir()
    mkdirSync(join(dir, 'dotfiles'))
    const target = join(dir, 'dotfiles', 'codex.toml')
    const link = join(dir, 'config.toml')
    symlinkSync(target, link)
    const change = enableCodexConfig(options, link)
    expect(change).toMatchObject({ changed: true, backup: null }) // there was nothing to back up
    expect(readlinkSync(link)).toBe(target)
    expect(managedModel(readFileSync(target, 'utf8'))).toBe('fake')
    expect(disableCodexConfig(link).changed).toBe(true)
    expect(readlinkSync(link)).toBe(target)
    expect(readFileSync(target, 'utf8')).toBe('')
  })

  test('a symlinked config.toml into a folder that does not exist: refused, naming the link and its target', () => {
    const dir = freshDir()
    const target = join(dir, 'dotfiles', 'codex.toml')
    const link = join(dir, 'config.toml')
    symlinkSync(target, link)
    expect(() => enableCodexConfig(options, link)).toThrow(ConfigEditError)
    expect(() => enableCodexConfig(options, link)).toThrow(`${link} is a symbolic link to ${target}`)
    expect(readlinkSync(link)).toBe(target)
    expect(readdirSync(dir)).toEqual(['config.toml'])
  })

  test('a config.toml that is not UTF-8 is refused by enable, disable and model use, naming the line, and left as it is', async () => {
    const path = join(freshDir(), 'config.toml')
    // A Latin-1 comment: a plain UTF-8 read turned é into U+FFFD, and enable wrote that back.
    const latin1 = Buffer.from('# settings\n# caf\xe9\nmodel = "gpt-5.5"\n', 'latin1')
    writeFileSync(path, latin1)
    expect(() => enableCodexConfig(options, path)).toThrow(ConfigEditError)
    expect(() => enableCodexConfig(options, path)).toThrow(`${path} is not UTF-8 (on line 2), and Codex reads config.toml as UTF-8 too.`)
    expect(readFileSync(path)).toEqual(latin1)
    const applied = applyManagedBlock('model = "gpt-5.5"\n', options)
    const enabled = Buffer.concat([Buffer.from(applied), Buffer.from('# caf\xe9\n', 'latin1')])
    writeFileSync(path, enabled)
    expect(() => disableCodexConfig(path)).toThrow(`is not UTF-8 (on line ${applied.split('\n').length})`)
    await expect(useModelInConfig('other', options, path)).rejects.toThrow('is not UTF-8')
    expect(readFileSync(path)).toEqual(enabled)
    expect(existsSync(`${path}.codex-shim.bak`)).toBe(false)
    // A byte-order mark is UTF-8, and stays.
    writeFileSync(path, '\uFEFFmodel = "gpt-5.5"\n')
    enableCodexConfig(options, path)
    disableCodexConfig(path)
    expect(readFileSync(path, 'utf8')).toBe('\uFEFFmodel = "gpt-5.5"\n')
  })

  test('a CRLF file is accepted, written with CRLF, and restored byte for byte', () => {
    const original = '# my config\r\nmodel = "gpt-5.5" # keep me\r\napproval_policy = "on-request"\r\n\r\n[tui]\r\nnotifications = true\r\n'
    const enabled = applyManagedBlock(original, options)
    expect(enabled).toContain('[model_providers.codex_shim]\r\n')
    expect(enabled.replace(/\r\n/g, '')).not.toContain('\n') // no bare LF: every line ends in CRLF
    expect(hasManagedBlock(enabled)).toBe(true)
    expect(managedModel(enabled)).toBe('fake')
    expect(managedPort(enabled)).toBe(8765)
    const parsed = TOML.parse(enabled.replace(/\r\n/g, '\n')) as Record<string, any>
    expect(parsed).toMatchObject({ model: 'fake', approval_policy: 'on-request', tui: { notifications: true } })
    expect(applyManagedBlock(enabled, { ...options, model: 'other' })).toContain('model = "other"\r\n')
    expect(removeManagedBlock(enabled)).toBe(original)
  })

  test('a file with both line endings keeps each line\'s own, and disable restores it byte for byte', () => {
    // A Windows editor and a Unix one took turns: until now every line came back CRLF.
    const original = '# my config\r\napproval_policy = "on-request"\r\n\n[tui]\r\nnotifications = true\n'
    const enabled = applyManagedBlock(original, options)
    expect(enabled).toContain('approval_policy = "on-request"\r\n\n')
    expect(enabled).toContain('[tui]\r\nnotifications = true\n')
    expect(enabled).toContain('# my config\r\n')
    // Our lines end as most of the file's do (CRLF here: 3 of 5).
    expect(enabled).toContain('[model_providers.codex_shim]\r\n')
    expect(managedModel(enabled)).toBe('fake')
    expect(removeManagedBlock(enabled)).toBe(original)
    const again = applyManagedBlock(enabled, { ...options, model: 'other' })
    expect(again).toContain('[tui]\r\nnotifications = true\n')
    expect(removeManagedBlock(again)).toBe(original)
    // Mostly LF: our lines are LF.
    const mostlyLf = 'a = 1\nb = 2\nc = 3\r\n'
    const enabledLf = applyManagedBlock(mostlyLf, options)
    expect(enabledLf).toContain('[model_providers.codex_shim]\n')
    expect(enabledLf).toContain('c = 3\r\n')
    expect(removeManagedBlock(enabledLf)).toBe(mostlyLf)
    // A key our block takes over (model) is kept in the block's state as text: it comes back with
    // the file's usual ending, every other line with its own.
    const displacing = 'model = "gpt-5.5"\napproval_policy = "never"\r\n[tui]\r\n'
    expect(removeManagedBlock(applyManagedBlock(displacing, options))).toBe('model = "gpt-5.5"\r\napproval_policy = "never"\r\n[tui]\r\n')
  })

  test('a CRLF file through enable and disable on disk', () => {
    const path = join(freshDir(), 'config.toml')
    const original = 'approval_policy = "never"\r\n'
    writeFileSync(path, original)
    enableCodexConfig(options, path)
    expect(readFileSync(path, 'utf8')).toContain('\r\nwire_api = "responses"\r\n')
    disableCodexConfig(path)
    expect(readFileSync(path, 'utf8')).toBe(original)
  })

  test('marker lines inside a multi-line string are data, not our block', () => {
    const original = [
      'approval_policy = "never"',
      'notes = """',
      '# >>> codex-shim managed >>>',
      'model = "inside-a-string"',
      '# <<< codex-shim managed <<<',
      '"""',
      "literal = '''",
      '# >>> codex-shim managed >>>',
      "'''",
      '',
    ].join('\n')
    expect(hasManagedBlock(original)).toBe(false)
    expect(managedModel(original)).toBeNull()
    expect(removeManagedBlock(original)).toBe(original) // `disable` leaves the strings alone

    const enabled = applyManagedBlock(original, options)
    expect(managedModel(enabled)).toBe('fake')
    const parsed = TOML.parse(enabled) as Record<string, any>
    expect(parsed.notes).toBe('# >>> codex-shim managed >>>\nmodel = "inside-a-string"\n# <<< codex-shim managed <<<\n')
    expect(parsed.literal).toBe('# >>> codex-shim managed >>>\n')
    expect(removeManagedBlock(enabled)).toBe(original)
  })

  test('disable on disk keeps a multi-line string that contains our markers', () => {
    const path = join(freshDir(), 'config.toml')
    const original = 'notes = """\n# >>> codex-shim managed >>>\nkeep me\n# <<< codex-shim managed <<<\n"""\n'
    writeFileSync(path, original)
    expect(disableCodexConfig(path).changed).toBe(false)
    expect(readFileSync(path, 'utf8')).toBe(original)
  })
})

// After enable, a displaced line's old place is remembered by its line index; a value spanning
// lines added above it since moved that index inside the value, and disable, model use and enable
// were refused for good.
describe('a value spanning lines added under the block after enable', () => {
  const original = '# my settings\nmodel = "o3"\napproval_policy = "never"\n'
  const additions: Record<string, string> = {
    'a """ string': 'developer_instructions = """\nBe terse.\nmodel = "inside the string"\n"""\n',
    'a multi-line array': 'notify = [\n  "notify-send",\n  "done",\n]\n',
  }
  const addUnderBlock = (enabled: string, added: string) => enabled.replace('# my settings\n', `${added}# my settings\n`)
  // The user's line comes back just after their addition, which is kept byte for byte.
  const restored = (added: string) => `${added}model = "o3"\n# my settings\napproval_policy = "never"\n`

  test.each(Object.entries(additions))('%s: disable restores the user\'s line; model use and enable again work', (_, added) => {
    const edited = addUnderBlock(applyManagedBlock(original, options), added)
    expect(removeManagedBlock(edited)).toBe(restored(added))
    const switched = applyManagedBlock(edited, { ...options, model: 'other' })
    expect(managedModel(switched)).toBe('other')
    expect(removeManagedBlock(switched)).toBe(restored(added))
    expect(removeManagedBlock(applyManagedBlock(edited, options))).toBe(restored(added))
  })

  test.each(Object.entries(additions))('%s: enable, model use, enable and disable on disk', async (_, added) => {
    const path = join(freshDir(), 'config.toml')
    writeFileSync(path, original)
    enableCodexConfig(options, path)
    writeFileSync(path, addUnderBlock(readFileSync(path, 'utf8'), added))
    expect((await useModelInConfig('other', options, path)).changed).toBe(true)
    expect(managedModel(readFileSync(path, 'utf8'))).toBe('other')
    expect(enableCodexConfig(options, path).changed).toBe(true)
    expect(disableCodexConfig(path).changed).toBe(true)
    expect(readFileSync(path, 'utf8')).toBe(restored(added))
  })

  test('two displaced lines over a value spanning lines come back after it, in their order', () => {
    const both = '# top\nmodel_provider = "mine"\nmodel = "o3"\n\n[model_providers.mine]\nname = "Mine"\n'
    const edited = applyManagedBlock(both, options).replace('# top\n', 'list = [\n  1,\n  2,\n]\n# top\n')
    expect(removeManagedBlock(edited)).toBe('list = [\n  1,\n  2,\n]\nmodel_provider = "mine"\nmodel = "o3"\n# top\n\n[model_providers.mine]\nname = "Mine"\n')
  })

  test('an edit that would change a setting on disable is still refused', () => {
    // A state line edited by hand to put back a line that is not ours.
    const enabled = applyManagedBlock(original, options).replace('"line":"model = \\"o3\\""', '"line":"sandbox_mode = \\"danger-full-access\\""')
    expect(enabled).toContain('sandbox_mode')
    expect(() => removeManagedBlock(enabled)).toThrow('would change settings that are not codex-shim\'s')
  })
})

test('a displaced line whose place falls inside a value that runs to the end of a file with no final newline goes after it', () => {
  const original = 'a = 1\nb = 2\nmodel = "gpt-5"'
  const enabled = applyManagedBlock(original, { model: 'm', port: 8765, catalogPath: '/tmp/cat.json' })
  const edited = enabled.replace('b = 2', 'notes = """\nfirst\nsecond\n"""')
  expect(removeManagedBlock(edited)).toBe('a = 1\nnotes = """\nfirst\nsecond\n"""\nmodel = "gpt-5"')
})

test('with a token required, the block has Codex send CODEX_SHIM_TOKEN from its environment, never the placeholder', () => {
  const withToken = applyManagedBlock('', { ...options, tokenEnv: true })
  expect(withToken).toContain('env_key = "CODEX_SHIM_TOKEN"')
  expect(withToken).not.toContain('experimental_bearer_token')
  expect(managedTokenEnv(withToken)).toBe(true)
  const without = applyManagedBlock('', options)
  expect(without).toContain('experimental_bearer_token = "codex-shim"')
  expect(managedTokenEnv(without)).toBe(false)
})
