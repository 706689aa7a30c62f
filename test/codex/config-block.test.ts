import TOML from '@iarna/toml'
import { describe, expect, test } from 'bun:test'
import { applyManagedBlock, BEGIN, ConfigEditError, managedModel, managedPort, removeManagedBlock } from '../../src/codex/config-block.ts'

const options = { model: 'deepseek-chat', port: 8765, catalogPath: '/home/u/.codex-shim/model_catalog.json' }

// Realistic configs as users have them: comments, profiles, other providers, inline tables, MCP servers.
const CONFIGS: Record<string, string> = {
  empty: '',
  'only comments': '# my codex config\n# nothing yet\n',
  'no final newline': 'model = "gpt-5.5"\napproval_policy = "on-request"',
  'typical user config': `# Codex settings — edited by hand
model = "gpt-5.5"  # the default I like
model_reasoning_effort = "high"
approval_policy = "on-request"
sandbox_mode = "workspace-write"

[tui]
notifications = true # ping me

[projects."/home/u/src/app"]
trust_level = "trusted"
`,
  'existing provider and profiles': `model_provider = "openrouter"
model = "anthropic/claude-sonnet-5"

[model_providers.openrouter]
name = "OpenRouter"
base_url = "https://openrouter.ai/api/v1"
env_key = "OPENROUTER_API_KEY"
http_headers = { "X-Title" = "codex", "HTTP-Referer" = "https://example.com" }

[model_providers.ollama-local]
name = "Ollama"
base_url = "http://127.0.0.1:11434/v1"

[profiles.fast]
model = "o4-mini"
`,
  'mcp servers and multiline string': `developer_instructions = """
Be terse.
model = "this is inside a string, not a key"
"""
model_catalog_json = "/old/catalog.json"

[mcp_servers.docs]
command = "npx"
args = ["-y", "docs-mcp"]
env = { "DOCS_TOKEN" = "placeholder" }

[[skills]]
name = "a"
matrix = [
  ["model", "x"],
  { model = "y" },
]
`,
  'crlf-free windows-ish spacing': 'model   =   "o3"\n\n\n[features]\nweb_search = true\n',
}

describe('config.toml managed block', () => {
  test.each(Object.entries(CONFIGS))('%s: enable → disable is byte-identical', (_, original) => {
    const enabled = applyManagedBlock(original, options)
    expect(removeManagedBlock(enabled)).toBe(original)
  })

  test.each(Object.entries(CONFIGS))('%s: enabled file is valid TOML with our provider and every other value intact', (_, original) => {
    const before = TOML.parse(original) as Record<string, unknown>
    const after = TOML.parse(applyManagedBlock(original, options)) as Record<string, any>
    expect(after.model).toBe('deepseek-chat')
    expect(after.model_provider).toBe('codex_shim')
    expect(after.model_catalog_json).toBe(options.catalogPath)
    expect(after.model_providers.codex_shim).toMatchObject({ name: 'Codex Shim', base_url: 'http://127.0.0.1:8765/v1', wire_api: 'responses' })
    for (const [key, value] of Object.entries(before)) {
      if (['model', 'model_provider', 'model_catalog_json'].includes(key)) continue
      if (key === 'model_providers') {
        for (const [id, table] of Object.entries(value as object)) expect(after.model_providers[id]).toEqual(table)
      } else expect(after[key]).toEqual(value)
    }
  })

  test.each(Object.entries(CONFIGS))('%s: every user line outside the block survives verbatim', (_, original) => {
    const enabled = applyManagedBlock(original, options)
    const displaced = /^\s*(model|model_provider|model_catalog_json)\s*=/
    for (const line of original.split('\n')) {
      if (line && !displaced.test(line)) expect(enabled.split('\n')).toContain(line)
    }
  })

  test('idempotent: enabling twice leaves one block and still restores the original', () => {
    const original = CONFIGS['typical user config']!
    const once = applyManagedBlock(original, options)
    const twice = applyManagedBlock(once, { ...options, model: 'kimi-k2' })
    expect(twice.split(BEGIN).length - 1).toBe(2) // top block + provider block
    expect(managedModel(twice)).toBe('kimi-k2')
    expect(removeManagedBlock(twice)).toBe(original)
  })

  test('displaced top-level keys are restored by disable at their place', () => {
    const original = CONFIGS['typical user config']!
    const enabled = applyManagedBlock(original, options)
    expect(enabled).not.toContain('model = "gpt-5.5"  # the default I like')
    expect(removeManagedBlock(enabled)).toContain('model = "gpt-5.5"  # the default I like\nmodel_reasoning_effort')
  })

  test('a key inside a multi-line string is not mistaken for a top-level key', () => {
    const enabled = applyManagedBlock(CONFIGS['mcp servers and multiline string']!, options)
    expect(enabled).toContain('model = "this is inside a string, not a key"')
  })

  test('refuses invalid TOML and an unmanaged table with our id, changing nothing', () => {
    expect(() => applyManagedBlock('model = \n', options)).toThrow(ConfigEditError)
    expect(() => applyManagedBlock('[model_providers.codex_shim]\nname = "mine"\n', options)).toThrow('already defines [model_providers.codex_shim]')
  })

  test('refuses a half-deleted block', () => {
    expect(() => removeManagedBlock(`${BEGIN}\nmodel = "x"\n`)).toThrow('without')
  })

  test('managedModel and managedPort read our block only', () => {
    expect(managedModel('model = "x"\n')).toBeNull()
    const enabled = applyManagedBlock('', { ...options, port: 9999 })
    expect(managedModel(enabled)).toBe('deepseek-chat')
    expect(managedPort(enabled)).toBe(9999)
  })
})

describe('what Codex adds inside our blocks is the user\'s', () => {
  // Codex edits config.toml with toml_edit, which puts a new table or top-level key before the
  // trailing comment at the end of the file, and a top-level key after the last one: inside our blocks.
  const codexEdits = (text: string) => {
    const withKey = text.replace('model_catalog_json = ', 'model_reasoning_effort = "high"\nmodel_catalog_json = ')
    const end = `# <<< codex-shim managed <<<\n`
    const last = withKey.lastIndexOf(end)
    return `${withKey.slice(0, last)}[mcp_servers.docs]\ncommand = "npx"\nargs = [\n  "-y",\n  "docs-server",\n]\n\n[projects."/home/u/proj"]\ntrust_level = "trusted"\n${withKey.slice(last)}`
  }

  test.each(['', '[tui]\nnotifications = true\n'])('model use and disable keep them (file %p)', (start) => {
    const edited = codexEdits(applyManagedBlock(start, options))
    const switched = applyManagedBlock(edited, { ...options, model: 'kimi' })
    const expectKept = (text: string) => {
      const parsed = TOML.parse(text) as Record<string, any>
      expect(parsed.model_reasoning_effort).toBe('high')
      expect(parsed.mcp_servers.docs).toEqual({ command: 'npx', args: ['-y', 'docs-server'] })
      expect(parsed.projects['/home/u/proj']).toEqual({ trust_level: 'trusted' })
    }
    expectKept(switched)
    expect(managedModel(switched)).toBe('kimi')
    const removed = removeManagedBlock(switched)
    expectKept(removed)
    expect(removed).not.toContain('codex_shim')
    expect(removed).not.toContain('codex-shim managed')
  })

  test('a hand-edited value of our own provider table goes with it on disable; the rest reads the same', () => {
    const edited = applyManagedBlock('approval_policy = "never"\n', options).replace('stream_idle_timeout_ms = 600000', 'stream_idle_timeout_ms = 900000')
    expect(TOML.parse(removeManagedBlock(edited))).toEqual({ approval_policy: 'never' })
  })
})

test('a config.toml saved with a byte-order mark (Notepad), which Codex reads: enable and disable work, and the mark stays', () => {
  const text = '\uFEFFmodel = "gpt-5.5"\r\n[tui]\r\nnotifications = true\r\n'
  const enabled = applyManagedBlock(text, options)
  expect(enabled.startsWith('\uFEFF# >>> codex-shim managed >>>')).toBe(true)
  expect(managedModel(enabled)).toBe('deepseek-chat')
  expect(removeManagedBlock(enabled)).toBe(text)
})

test('model_providers written as an inline table: refused with what to change, not "the edited config.toml is not valid"', () => {
  const text = 'model_providers = { mine = { name = "Mine", base_url = "http://localhost:1234/v1" } }\n'
  expect(() => applyManagedBlock(text, options)).toThrow('Write providers as [model_providers.<name>] tables')
})

test('an active profile that sets its own model provider is named: Codex would not use the block', async () => {
  const { profileOverride } = await import('../../src/codex/config-block.ts')
  const text = applyManagedBlock('profile = "work"\n\n[profiles.work]\nmodel_provider = "mine"\nmodel = "x"\n', options)
  expect(profileOverride(text)).toContain('the active profile "work"')
  expect(profileOverride(text)).toContain('sets model_provider and model')
  expect(profileOverride(applyManagedBlock('[profiles.work]\nmodel_provider = "mine"\n', options))).toBeNull() // not active
})
