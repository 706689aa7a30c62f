/**
 * `--host` and `--port` take a host and a port, nothing else: an audit found `enable --host
 * example.com:80` writing `base_url = "http://[example.com:80]:8765/v1"` into Codex's config.toml
 * with exit 0, and `--port 1e3` read as 1000.
 */
import { describe, expect, test } from 'bun:test'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseHost, parsePort, parseWrittenPort, UsageError } from '../../src/commands/_args.ts'
import { freshHomes, runCli } from '../support/cli.ts'

describe('parseHost', () => {
  test.each(['127.0.0.1', 'localhost', '0.0.0.0', 'my-box.local', 'gateway_1.internal', '::1', '::', '2001:db8::8a2e:370:7334', '::ffff:127.0.0.1'])('takes %s', (host) => {
    expect(parseHost(host)).toBe(host)
  })

  test('an IPv6 address in URL brackets comes out bare: the brackets are added where a URL is written', () => {
    expect(parseHost('[::1]')).toBe('::1')
  })

  test('no value is the default; surrounding spaces go', () => {
    expect(parseHost(undefined)).toBe('127.0.0.1')
    expect(parseHost(' localhost ')).toBe('localhost')
  })

  test.each([
    ['example.com:80', 'Give the port with --port 80.'],
    ['http://127.0.0.1', 'without a scheme, port or path'],
    ['1.2.3.4/x', 'without a scheme, port or path'],
    ['', 'got nothing'],
    ['my host', 'got "my host"'],
    ['a..b', 'got "a..b"'],
    ['user@host', 'got "user@host"'],
    ['fe80::1%eth0', 'got "fe80::1%eth0"'],
    ['[[::1]]', 'got "[[::1]]"'],
  ])('refuses %j, saying what it expects', (host, words) => {
    expect(() => parseHost(host)).toThrow(UsageError)
    expect(() => parseHost(host)).toThrow(words)
  })
})

describe('parsePort', () => {
  test('decimal digits from 0 (any free port, where the proxy listens) to 65535', () => {
    expect(parsePort(undefined)).toBe(8765)
    expect(parsePort('0')).toBe(0)
    expect(parsePort('8080')).toBe(8080)
    expect(parsePort('65535')).toBe(65535)
  })

  test.each(['1e3', '0x50', '80.0', '-1', '65536', '', ' ', '80a', '123456'])('refuses %j', (port) => {
    expect(() => parsePort(port)).toThrow(UsageError)
  })

  test('an address written for Codex needs a port it can connect to', () => {
    expect(parseWrittenPort('8080')).toBe(8080)
    expect(() => parseWrittenPort('0')).toThrow('--port expects a number from 1 to 65535, got "0".')
  })
})

test('enable with a host:port refuses with exit 2 and writes nothing into config.toml', () => {
  const homes = freshHomes('enable-host-port')
  const run = runCli(['enable', '--host', 'example.com:80'], homes)
  expect(run.code).toBe(2)
  expect(run.output).toContain('Give the port with --port 80.')
  const config = join(homes.CODEX_HOME, 'config.toml')
  expect(existsSync(config) ? readFileSync(config, 'utf8') : '').not.toContain('example.com')
})

test('enable --host [::1] writes a base_url a URL parser reads (not http://[[::1]]:8765)', () => {
  const homes = freshHomes('enable-ipv6')
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [{ model: 'm', provider: 'openai', api_key_env: 'OPENAI_API_KEY' }] }))
  expect(runCli(['enable', '--host', '[::1]'], homes).code).toBe(0)
  const baseUrl = /base_url = "([^"]+)"/.exec(readFileSync(join(homes.CODEX_HOME, 'config.toml'), 'utf8'))![1]!
  expect(baseUrl).toBe('http://[::1]:8765/v1')
  expect(new URL(baseUrl).hostname).toBe('[::1]')
})
