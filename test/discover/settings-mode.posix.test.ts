/** A models.json that holds a key written inline is a token file: discover leaves it, and its backup, 0600. */
import { afterAll, expect, test } from 'bun:test'
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { holdsInlineKey } from '../../src/discover/run.ts'
import { startFakeListingServer } from '../fakes/openai-listing.ts'
import { freshHome, spawnCommand } from './_spawn.ts'

const ollama = startFakeListingServer({ style: 'ollama', models: [{ id: 'qwen3:8b', name: 'qwen3:8b', serves: ['chat'] }] })
afterAll(() => ollama.close())
const mode = (path: string) => statSync(path).mode & 0o777

test('holdsInlineKey: a key in the file, not a ${VAR} reference or a variable name', () => {
  expect(holdsInlineKey(JSON.stringify({ models: [{ model: 'm', provider: 'openai', api_key: 'sk-inline-0123456789' }] }))).toBe(true)
  expect(holdsInlineKey(JSON.stringify({ customModels: [{ model: 'm', provider: 'openai', apiKey: 'prefix-${PART}' }] }))).toBe(true)
  expect(holdsInlineKey(JSON.stringify({ models: [{ model: 'm', provider: 'openai', api_key: '${OPENAI_API_KEY}' }] }))).toBe(false)
  expect(holdsInlineKey(JSON.stringify({ models: [{ model: 'm', provider: 'openai', api_key_env: 'OPENAI_API_KEY' }] }))).toBe(false)
})

test.each([
  ['an inline key', { models: [{ slug: 'mine', model: 'm', provider: 'openai', api_key: 'sk-inline-0123456789' }] }, 0o600],
  ['variable names only', { models: [{ slug: 'mine', model: 'm', provider: 'openai', api_key_env: 'OPENAI_API_KEY' }] }, 0o644],
])('a 0644 models.json with %s: written back with the mode it calls for, its backup 0600', async (_name, document, expected) => {
  const { home, settings } = freshHome('mode')
  writeFileSync(settings, JSON.stringify(document, null, 2))
  chmodSync(settings, 0o644)
  const run = await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: home })
  expect(run.code).toBe(0)
  expect(mode(settings)).toBe(expected)
  // Backups are private copies whatever the file held.
  expect(mode(`${settings}.codex-shim.bak`)).toBe(0o600)
})

test('--dry-run prints the diff without a key, a header value or a URL credential written on a context line', async () => {
  const { home, settings } = freshHome('dry-run')
  writeFileSync(settings, JSON.stringify({ models: [
    { slug: 'mine', model: 'm', provider: 'openai', api_key: 'sk-inline-0123456789' },
    { slug: 'gate', model: 'g', provider: 'generic-chat-completion-api', base_url: 'http://user:secretpw@127.0.0.1:9/v1?key=SECRETQUERY', extra_headers: { Authorization: 'Bearer sk-HEADERSECRET', 'x-team': 'team-secret-42' } },
  ] }, null, 2))
  const run = await spawnCommand(['discover', ollama.url, '--dry-run', '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: home })
  expect(run.code).toBe(0)
  expect(run.stdout).toContain('+')
  expect(run.stdout).toContain('[redacted]')
  for (const secret of ['sk-inline-0123456789', 'secretpw', 'SECRETQUERY', 'sk-HEADERSECRET', 'team-secret-42']) expect(run.output).not.toContain(secret)
})

test('--dry-run masks a key or header value however the file escapes it', async () => {
  const { home, settings } = freshHome('dry-run-escaped')
  // Written by hand (or by a tool that escapes "/"): JSON.stringify would spell these values otherwise.
  writeFileSync(settings, [
    '{',
    '  "models": [',
    '    { "slug": "ds", "model": "deepseek-chat", "provider": "generic-chat-completion-api", "base_url": "https://api.deepseek.com/v1", "api_key": "sk-INLINE\\/SECRET123", "extra_headers": { "Authorization": "Bearer HDRSECRET\\u0041" } }',
    '  ]',
    '}',
    '',
  ].join('\n'))
  const run = await spawnCommand(['discover', ollama.url, '--dry-run', '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: home })
  expect(run.code).toBe(0)
  expect(run.stdout).toContain('[redacted]')
  for (const secret of ['SECRET123', 'HDRSECRET']) expect(run.output).not.toContain(secret)
})

test('a models.json saved with a byte-order mark is read, and written back with it', async () => {
  const { home, settings } = freshHome('bom')
  writeFileSync(settings, `\uFEFF${JSON.stringify({ models: [{ slug: 'mine', model: 'm', provider: 'openai', api_key_env: 'OPENAI_API_KEY' }] }, null, 2)}\n`)
  const run = await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: home })
  expect(run.code).toBe(0)
  const written = readFileSync(settings, 'utf8')
  expect(written.charCodeAt(0)).toBe(0xfeff)
  expect(JSON.parse(written.slice(1)).models.map((entry: { slug: string }) => entry.slug)).toContain('mine')
})

test('a models.json with a byte-order mark and an inline key: the key is masked in the --dry-run diff, and the file made 0600', async () => {
  const document = { models: [{ slug: 'mine', model: 'm', provider: 'openai', api_key: 'sk-inline-BOM-0123456789' }] }
  const dry = freshHome('bom-dry-run')
  writeFileSync(dry.settings, `\uFEFF${JSON.stringify(document, null, 2)}\n`)
  const preview = await spawnCommand(['discover', ollama.url, '--dry-run', '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: dry.home })
  expect(preview.code).toBe(0)
  expect(preview.stdout).toContain('[redacted]')
  expect(preview.output).not.toContain('sk-inline-BOM-0123456789')

  const { home, settings } = freshHome('bom-inline-key')
  writeFileSync(settings, `\uFEFF${JSON.stringify(document, null, 2)}\n`)
  chmodSync(settings, 0o644)
  const run = await spawnCommand(['discover', ollama.url, '--yes', '--prefix', 'local'], { CODEX_SHIM_HOME: home })
  expect(run.code).toBe(0)
  expect(mode(settings)).toBe(0o600)
})
