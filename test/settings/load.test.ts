import { describe, expect, test } from 'bun:test'
import { parseSettings, SettingsError } from '../../src/settings/load.ts'
import { describeKeySource, resolveApiKey } from '../../src/settings/secrets.ts'
import { settingsIssues } from '../support/settings-issues.ts'

const parse = (value: unknown) => parseSettings(JSON.stringify(value), '/x/models.json')
const issuesOf = settingsIssues

describe('settings: accepted spellings', () => {
  test('canonical snake_case entry', () => {
    const settings = parse({
      models: [{
        slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1/',
        api_key_env: 'DEEPSEEK_API_KEY', display_name: 'DeepSeek', max_context_limit: 128000, max_output_tokens: 8000,
        no_image_support: true, extra_headers: { 'x-a': 'b' }, reasoning_effort: 'high',
      }],
    })
    expect(settings.models).toEqual([{
      slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', provider_label: 'generic-chat-completion-api',
      base_url: 'https://api.deepseek.com/v1', api_key_env: 'DEEPSEEK_API_KEY', display_name: 'DeepSeek', max_context_limit: 128000,
      max_output_tokens: 8000, no_image_support: true, extra_headers: { 'x-a': 'b' }, reasoning_effort: 'high', source: 'models[0]',
    }])
  })

  test.each([
    ['baseUrl', 'base_url', 'https://h.example/v1'],
    ['apiKey', 'api_key', 'sk-x'],
    ['apiKeyEnv', 'api_key_env', 'MY_KEY'],
    ['displayName', 'display_name', 'Nice'],
    ['maxContextLimit', 'max_context_limit', 1000],
    ['maxOutputTokens', 'max_output_tokens', 100],
    ['noImageSupport', 'no_image_support', true],
    ['extraHeaders', 'extra_headers', { a: 'b' }],
  ])('camelCase %s is read as %s', (camel, snake, value) => {
    const settings = parse({ models: [{ model: 'm', provider: 'openai', [camel]: value }] })
    expect((settings.models[0] as unknown as Record<string, unknown>)[snake]).toEqual(value)
  })

  test('legacy customModels (Factory format) and bare-string launchModels', () => {
    const settings = parse({
      customModels: [
        { model: 'kimi-k2', displayName: 'Kimi', baseUrl: 'https://api.moonshot.ai/v1', apiKey: '${MOONSHOT}', provider: 'generic-chat-completion-api', index: 0 },
        { model: 'glm-5', baseUrl: 'https://open.bigmodel.cn/api/paas/v4', provider: 'openai' },
      ],
      launchModels: ['glm-5', { model: 'qwen3', provider: 'ollama' }],
    })
    expect(settings.models.map((m) => m.slug)).toEqual(['kimi-k2', 'glm-5', 'qwen3'])
    expect(settings.launch_models).toEqual(['glm-5', 'qwen3'])
    expect(settings.models[0]!.source).toBe('customModels[0]')
  })

  test('launch_models (snake) names slugs', () => {
    const settings = parse({ models: [{ model: 'a', provider: 'openai' }, { model: 'b', provider: 'openai' }], launch_models: ['b'] })
    expect(settings.launch_models).toEqual(['b'])
  })

  test('ollama becomes generic chat on the default local port', () => {
    const [model] = parse({ models: [{ model: 'qwen3:32b', provider: 'ollama' }] }).models
    expect(model!.provider).toBe('generic-chat-completion-api')
    expect(model!.provider_label).toBe('ollama')
    expect(model!.base_url).toBe('http://127.0.0.1:11434/v1')
    expect(model!.slug).toBe('qwen3-32b')
  })

  test('ollama keeps an explicit base URL', () => {
    const [model] = parse({ models: [{ model: 'q', provider: 'ollama', base_url: 'http://10.0.0.2:11434/v1' }] }).models
    expect(model!.base_url).toBe('http://10.0.0.2:11434/v1')
  })

  test('slugs are derived, lower-cased, safe and unique', () => {
    const settings = parse({ models: [
      { model: 'Qwen/Qwen3 Coder', provider: 'openai' },
      { model: 'qwen/qwen3 coder', provider: 'openai' },
      { model: 'deepseek-chat', provider: 'openai' },
    ] })
    expect(settings.models.map((m) => m.slug)).toEqual(['qwen-qwen3-coder', 'qwen-qwen3-coder-2', 'deepseek-chat'])
  })

  test('an unknown top-level key is a warning', () => {
    const settings = parse({ models: [{ model: 'm', provider: 'openai' }], extra: 1 })
    expect(settings.warnings).toEqual(['extra: unknown top-level key, ignored'])
  })

  test('a top-level key one typo from a known one is an error: its whole section would be lost without a word', () => {
    expect(issuesOf({ models: [{ model: 'm', provider: 'openai' }], alias: { fast: { slug: 'm' } } })).toEqual(['alias: unknown top-level key; did you mean "aliases"?'])
    expect(issuesOf({ models: [{ model: 'm', provider: 'openai' }], routr: {} })).toEqual(['routr: unknown top-level key; did you mean "router"?'])
  })

  test('an unknown key in an alias is an error with a did-you-mean hint, as in a model entry', () => {
    const issues = issuesOf({ models: [{ model: 'm', provider: 'openai' }], aliases: { fast: { slug: 'm', reasoning_efort: 'low', temperature: 0 } } })
    expect(issues).toEqual([
      'aliases.fast.reasoning_efort: unknown key; did you mean "reasoning_effort"? (known: slug, reasoning_effort, service_tier, max_output_tokens, verbosity, display_name, fallbacks)',
      'aliases.fast.temperature: unknown key (known: slug, reasoning_effort, service_tier, max_output_tokens, verbosity, display_name, fallbacks)',
    ])
  })

  test('the alias keys the normaliser knows are the ones its schema reads', async () => {
    const { AliasSchema } = await import('../../src/settings/schema.ts')
    const { ALIAS_KEYS } = await import('../../src/settings/keys.ts')
    expect([...ALIAS_KEYS].sort() as string[]).toEqual(Object.keys(AliasSchema.entries).sort())
  })

  // A misspelt key used to be ignored with a warning: a misspelt api_key then sent OPENAI_API_KEY to the entry's host.
  test('an unknown key in a model entry is an error with a did-you-mean hint', () => {
    const issues = issuesOf({ models: [{ model: 'm', provider: 'openai', api_kye: 'oops' }] })
    expect(issues).toHaveLength(1)
    expect(issues[0]).toStartWith('models[0].api_kye: unknown key; did you mean "api_key"?')
  })
})

describe('settings: error messages name the field and what was expected', () => {
  test.each([
    [{ models: [{}, {}, { model: 'm', provider: 'openia' }] }, 'models[2].provider: expected one of openai, generic-chat-completion-api, anthropic, openai-responses, ollama, chatgpt, cursor-agent (got "openia")'],
    [{ models: [{ model: 'm' }] }, 'models[0].provider: missing; expected one of openai, generic-chat-completion-api, anthropic, openai-responses, ollama, chatgpt, cursor-agent'],
    [{ models: [{ provider: 'openai' }] }, 'models[0].model: missing; expected the upstream model id, e.g. "deepseek-chat"'],
    [{ models: [{ model: 'm', provider: 'generic-chat-completion-api' }] }, 'models[0].base_url: missing; provider "generic-chat-completion-api" needs a base URL such as "https://api.deepseek.com/v1"'],
    [{ models: [{ model: 'm', provider: 'openai', baseUrl: 'localhost:8000' }] }, 'models[0].baseUrl: expected an http:// or https:// URL such as "http://localhost:8000/v1" (got "localhost:8000")'],
    [{ models: [{ model: 'm', provider: 'openai', max_context_limit: '128k' }] }, 'models[0].max_context_limit: expected max_context_limit as a whole number of tokens (got "128k")'],
    [{ models: [{ model: '  ', provider: 'openai' }] }, 'models[0].model: expected a non-empty upstream model id'],
    [{ models: [{ model: 'm', provider: 'openai', maxOutputTokens: 1.5 }] }, 'models[0].maxOutputTokens: expected max_output_tokens as a whole number (got 1.5)'],
    [{ models: [{ model: 'm', provider: 'openai', no_image_support: 'yes' }] }, 'models[0].no_image_support: expected true or false (got "yes")'],
    // What was found is not repeated where it could be a key: header values, api_key, api_key_env.
    [{ models: [{ model: 'm', provider: 'openai', extra_headers: { a: 1 } }] }, 'models[0].extra_headers.a: expected each header value as a string'],
    [{ models: [{ model: 'm', provider: 'openai', reasoning_effort: 'huge' }] }, 'models[0].reasoning_effort: expected one of none, minimal, low, medium, high, xhigh, max (got "huge")'],
    [{ models: [{ model: 'm', provider: 'openai', slug: 'My Model' }] }, 'models[0].slug: expected lower-case letters, digits, ".", "_" or "-" (e.g. "deepseek-chat") (got "My Model")'],
    [{ models: [{ model: 'm', provider: 'openai', api_key_env: 'sk-123' }] }, 'models[0].api_key_env: expected an environment variable name such as "DEEPSEEK_API_KEY"'],
    [{ models: [{ model: 'm', provider: 'openai', api_key_env: 'gsk_Wq8d3XbR2sTn7LpV9mK4YzH1cF6jN0aE' }] }, 'models[0].api_key_env: expected the name of the variable that holds the key, such as "GROQ_API_KEY", not the key itself (that goes in the environment, or in api_key)'],
    [{ models: [{ model: 'm', provider: 'openai', api_key: 42 }] }, 'models[0].api_key: expected the API key as a string (or use api_key_env)'],
    [{ models: [{ model: 'm', provider: 'openai', baseUrl: 'alice:pa55word@localhost:8000' }] }, 'models[0].baseUrl: expected an http:// or https:// URL such as "http://localhost:8000/v1" (got "[redacted]@localhost:8000")'],
    [{ models: [{ model: 'a', provider: 'openai', slug: 'x' }, { model: 'b', provider: 'openai', slug: 'x' }] }, 'models[1].slug: slug "x" is already used by models[0]; slugs must be unique'],
    [{ models: [{ model: 'm', provider: 'openai', baseUrl: 'https://a.example', base_url: 'https://b.example' }] }, 'models[0].baseUrl: conflicts with base_url; keep one spelling'],
    [{ models: [{ model: 'a', provider: 'openai' }], launch_models: ['nope'] }, 'launch_models[0]: "nope" is not a configured model slug (known: a)'],
    [{ models: {} }, 'models: expected an array of model entries (got Object)'],
    [[], '(file): expected a JSON object with a "models" array (got Array)'],
    [{ models: [{ model: 'm', provider: 'openai', baseUrl: 'not a url' }] }, 'models[0].baseUrl: expected an absolute URL such as "https://api.deepseek.com/v1" (got "not a url")'],
    // A key in the query of a URL that failed is masked as `list` masks it, however the URL is malformed.
    [{ models: [{ model: 'm', provider: 'openai', base_url: 'https://api x.com/v1?key=AIzaSECRET1' }] }, 'models[0].base_url: expected an absolute URL such as "https://api.deepseek.com/v1" (got "https://api x.com/v1?key=***")'],
    [{ models: [{ model: 'm', provider: 'openai', base_url: 'generativelanguage.googleapis.com/v1beta/openai?key=AIzaSECRET2' }] }, 'models[0].base_url: expected an absolute URL such as "https://api.deepseek.com/v1" (got "generativelanguage.googleapis.com/v1beta/openai?key=***")'],
    [{ models: [{ model: 'm', provider: 'openai', baseUrl: 'HTTPS://api x.com/v1?key=AIzaSECRET3#token=T' }] }, 'models[0].baseUrl: expected an absolute URL such as "https://api.deepseek.com/v1" (got "HTTPS://api x.com/v1?key=***#token=***")'],
  ])('%j', (value, expected) => {
    expect(issuesOf(value)).toContain(expected.replace('(file): ', ': '))
  })

  test('every bad field is reported at once', () => {
    expect(issuesOf({ models: [{ model: 'a', provider: 'x' }, { model: 'b', provider: 'openai', base_url: 3 }] })).toHaveLength(2)
    expect(issuesOf({ models: [{ model: 'a' }, { provider: 'openai' }] })).toHaveLength(2)
  })

  test('invalid JSON', () => {
    try {
      parseSettings('{"models": [', '/x/models.json')
      throw new Error('unreachable')
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError)
      expect((error as SettingsError).message).toStartWith('Invalid settings in /x/models.json:\n  (file): not valid JSON')
    }
  })
})

describe('settings: secrets resolve at request time', () => {
  const [model] = parse({ models: [{ model: 'm', provider: 'generic-chat-completion-api', base_url: 'http://h/v1', api_key: 'Bearer-${A}-${B}' }] }).models
  test('${VAR} interpolation', () => {
    expect(resolveApiKey(model!, { A: '1', B: '2' })).toBe('Bearer-1-2')
  })
  test('missing variable names it, never a value', () => {
    expect(() => resolveApiKey(model!, { A: '1' })).toThrow('models[0].api_key refers to ${B}, which is not set')
  })
  test('api_key_env and provider defaults', () => {
    const [a, b, c] = parse({ models: [
      { model: 'a', provider: 'openai', api_key_env: 'K' },
      { model: 'b', provider: 'openai' },
      { model: 'c', provider: 'ollama' },
    ] }).models
    expect(resolveApiKey(a!, { K: 'k1' })).toBe('k1')
    expect(() => resolveApiKey(a!, {})).toThrow('api_key_env names K')
    expect(resolveApiKey(b!, { OPENAI_API_KEY: 'o' })).toBe('o')
    expect(resolveApiKey(c!, { OPENAI_API_KEY: 'o' })).toBeUndefined()
    expect(describeKeySource(a!, {})).toEqual({ source: '$K', present: false })
    expect(describeKeySource(model!, { A: 'x', B: 'y' })).toEqual({ source: 'api_key (${A}, ${B})', present: true })
  })
})

describe('settings: a default key goes only to the provider\'s own host', () => {
  const env = { OPENAI_API_KEY: 'sk-default-openai', ANTHROPIC_API_KEY: 'sk-ant-default' }
  test.each([
    ['openai', undefined, 'sk-default-openai'],
    ['openai', 'https://api.openai.com/v1', 'sk-default-openai'],
    ['openai', 'https://third-party.example/v1', undefined],
    ['openai-responses', 'https://openrouter.example/api/v1', undefined],
    ['anthropic', undefined, 'sk-ant-default'],
    ['anthropic', 'https://api.deepseek.example/anthropic', undefined],
  ])('%s at %s', (provider, base_url, expected) => {
    const [model] = parse({ models: [{ model: 'm', provider, ...(base_url && { base_url }) }] }).models
    expect(resolveApiKey(model!, env)).toBe(expected)
    expect(describeKeySource(model!, env).source).toBe(expected ? `$${provider === 'anthropic' ? 'ANTHROPIC' : 'OPENAI'}_API_KEY` : 'none needed')
  })
})

test('a settings file saved with a byte-order mark (Windows Notepad) reads as without it', () => {
  const settings = parseSettings('\uFEFF{"models": [{"model": "m", "provider": "openai"}]}', '/x/models.json')
  expect(settings.models.map((model) => model.slug)).toEqual(['m'])
})
