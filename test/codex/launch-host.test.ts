import { expect, test } from 'bun:test'
import { providerTable } from '../../src/codex/config-block.ts'
import { codexOverrides } from '../../src/codex/launch.ts'
import { buildHostAllowlist, hostName } from '../../src/server/guard.ts'

const baseUrlOf = (overrides: string[]) => JSON.parse(overrides.find((arg) => arg.startsWith('model_providers.codex_shim.base_url='))!.split('=').slice(1).join('=')) as string

test.each(['0.0.0.0', '::'])('`codex-shim codex` against a proxy bound to %s points Codex at a loopback address the proxy accepts', (bind) => {
  const url = new URL(baseUrlOf(codexOverrides({ port: 8765, host: bind, catalogPath: '/tmp/c.json' })))
  // Codex sends this host in its Host header; the proxy refuses hosts not on its allowlist.
  expect(buildHostAllowlist(bind, '').has(hostName(url.host))).toBe(true)
  // And the same address `enable` writes for that bind.
  expect(providerTable({ port: 8765, host: bind })).toContain(`base_url = "${url.href.replace(/\/$/, '')}"`)
})

test('a display name or model holding DEL (U+007F) is written escaped: enable succeeds and Codex can parse the -c overrides', async () => {
  const { applyManagedBlock, managedProviderName } = await import('../../src/codex/config-block.ts')
  const TOML = (await import('@iarna/toml')).default
  const text = applyManagedBlock('approval_policy = "never"\n', { model: 'm', port: 8765, catalogPath: '/tmp/c.json', providerName: 'Odd\u007fName' })
  expect(text).toContain('name = "Odd\\u007fName"')
  expect(managedProviderName(text)).toBe('Odd\u007fName')
  const override = codexOverrides({ port: 8765, catalogPath: '/tmp/c.json', model: 'odd\u007fmodel' }).find((arg) => arg.startsWith('model='))!
  expect((TOML.parse(override) as { model: string }).model).toBe('odd\u007fmodel')
})
