/**
 * `::0`, `0:0:0:0:0:0:0:0` and `[::]` are the IPv6 wildcard `::` spelled another way: an audit found
 * them written into config.toml as the address to send to (`http://[::0]:8765/v1`), a Host the
 * proxy's own check then refused, where `::` sends Codex to loopback.
 */
import { describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseHost } from '../../src/commands/_args.ts'
import { proxyBaseUrl } from '../../src/codex/config-block.ts'
import { clientHost } from '../../src/daemon/probe.ts'
import { buildHostAllowlist, checkRequest } from '../../src/server/guard.ts'
import { freshHomes, runCli } from '../support/cli.ts'

const spellings = ['::0', '0:0:0:0:0:0:0:0', '0::0', '0000::', '[::]', '[0:0:0:0:0:0:0:0]', '::0:0']

describe('every spelling of the IPv6 wildcard behaves like ::', () => {
  test.each(spellings)('%s', (spelling) => {
    const host = parseHost(spelling)
    expect(host).toBe('::')
    expect(proxyBaseUrl({ port: 8765, host })).toBe(proxyBaseUrl({ port: 8765, host: '::' }))
    expect(clientHost(host)).toBe(clientHost('::'))
    expect([...buildHostAllowlist(host, '')]).toEqual([...buildHostAllowlist('::', '')])
    // The address Codex is sent to passes the proxy's own Host check.
    const url = new URL(proxyBaseUrl({ port: 8765, host }))
    expect(() => checkRequest(new Request(`${url.origin}/health`, { headers: { host: url.host } }), buildHostAllowlist(host, ''))).not.toThrow()
  })

  test('other IPv6 addresses are kept as given', () => {
    expect(parseHost('::ffff:127.0.0.1')).toBe('::ffff:127.0.0.1')
    expect(parseHost('2001:db8::1')).toBe('2001:db8::1')
  })

  test('enable --host ::0 points Codex at loopback, as --host :: does', () => {
    const homes = freshHomes('enable-wildcard6')
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ model: 'm', provider: 'openai', api_key_env: 'OPENAI_API_KEY' }] }))
    expect(runCli(['enable', '--host', '::0'], homes).code).toBe(0)
    expect(readFileSync(join(homes.CODEX_HOME, 'config.toml'), 'utf8')).toContain('base_url = "http://127.0.0.1:8765/v1"')
  })
})
