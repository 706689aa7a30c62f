import { describe, expect, test } from 'bun:test'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { redactUrl, redactUrlsIn } from '../../src/redact.ts'
import { freshHomes, runCli } from '../support/cli.ts'

describe('redactUrl', () => {
  test.each([
    ['https://api.example.com/v1', 'https://api.example.com/v1'],
    ['http://127.0.0.1:11434/v1', 'http://127.0.0.1:11434/v1'],
    ['https://user:pa55word@gw.example.com/v1', 'https://***@gw.example.com/v1'],
    ['https://only-user@gw.example.com', 'https://***@gw.example.com'],
    ['https://a:b@c@gw.example.com:8443/v1', 'https://***@gw.example.com:8443/v1'],
    ['https://gw.example.com/v1?key=abc123', 'https://gw.example.com/v1?key=***'],
    ['https://gw.example.com/v1?api_key=abc&token=def&access_token=ghi&region=eu', 'https://gw.example.com/v1?api_key=***&token=***&access_token=***&region=***'],
    ['https://gw.example.com/v1?sk-bare-secret', 'https://gw.example.com/v1?***'],
    ['https://gw.example.com/v1?key=', 'https://gw.example.com/v1?key=***'],
    ['https://u:p@gw.example.com/v1?key=abc#access_token=xyz', 'https://***@gw.example.com/v1?key=***#access_token=***'],
    ['gw.example.com/v1?key=abc', 'gw.example.com/v1?key=***'],
    ['not a url', 'not a url'],
  ])('%s → %s', (input, expected) => {
    expect(redactUrl(input)).toBe(expected)
  })

  test('redactUrlsIn redacts each URL in a sentence and leaves the rest', () => {
    expect(redactUrlsIn('Could not reach https://u:p@a.example/v1?key=k (timeout); also http://b.example/x?t=1.')).toBe('Could not reach https://***@a.example/v1?key=*** (timeout); also http://b.example/x?t=***.')
  })

  test('redactUrlsIn masks a URL whose scheme is upper case', () => {
    expect(redactUrlsIn('Could not reach HTTPS://u:p@a.example/v1?key=k; Http://b.example/?t=1')).toBe('Could not reach HTTPS://***@a.example/v1?key=***; Http://b.example/?t=***')
  })

  test('a line whose URLs carry no userinfo, query or fragment comes back as it is; one more URL that does is still masked', () => {
    const line = 'codex-shim listening on http://127.0.0.1:8765 with 2 model(s); control page http://127.0.0.1:8765/'
    expect(redactUrlsIn(line)).toBe(line)
    for (const [extra, masked] of [['https://u:p@x.example', 'https://***@x.example'], ['http://x.example/?k=v', 'http://x.example/?k=***'], ['http://x.example/#access_token=t', 'http://x.example/#access_token=***']]) {
      expect(redactUrlsIn(`${line} ${extra}`)).toBe(`${line} ${masked}`)
    }
  })
})

describe('doctor prints base URLs redacted', () => {
  test('userinfo and query values never reach doctor or doctor --json', () => {
    const homes = freshHomes('doctor-redact')
    const secrets = ['hunter2-password', 'sk-query-secret', 'tok-in-query']
    writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models: [
      { slug: 'userinfo', model: 'm', provider: 'ollama', base_url: `https://alice:${secrets[0]}@gw.example.com/v1` },
      { slug: 'query', model: 'm', provider: 'ollama', base_url: `https://gw.example.com/v1?key=${secrets[1]}&token=${secrets[2]}` },
    ] }))
    for (const args of [['doctor'], ['doctor', '--json']]) {
      const run = runCli(args, homes)
      for (const secret of [...secrets, 'alice']) expect(run.output).not.toContain(secret)
      expect(run.output).toContain('https://***@gw.example.com/v1')
      expect(run.output).toContain('https://gw.example.com/v1?key=***&token=***')
    }
  })
})

describe('the logger redacts URLs in what it prints', () => {
  test.each([['daemon log', { CODEX_SHIM_DAEMON: '1' }], ['terminal', {}]])('%s', (_, extra) => {
    const script = "const { log } = await import('./src/log.ts'); log.withTag('proxy').warn('Could not reach https://bob:pw-secret@gw.example.com/v1?key=sk-log-secret: refused')"
    const result = Bun.spawnSync([process.execPath, '-e', script], { cwd: join(import.meta.dir, '../..'), env: { ...process.env, NO_COLOR: '1', ...extra }, stdout: 'pipe', stderr: 'pipe' })
    const output = result.stdout.toString() + result.stderr.toString()
    expect(output).toContain('Could not reach https://***@gw.example.com/v1?key=***: refused')
    expect(output).not.toContain('pw-secret')
    expect(output).not.toContain('sk-log-secret')
  })
})

test('an Error logged as an object is masked too (message and stack), and the caller\'s error is left as it was', () => {
  const script = `
    const { log } = await import(${JSON.stringify(`${import.meta.dir}/../../src/log.ts`)})
    const error = new Error('could not reach https://alice:S3cretPass@x.example/v1?key=AIzaLEAKLEAK')
    log.error(error)
    console.log(error.message.includes('S3cretPass') ? 'original kept' : 'original changed')
  `
  const run = Bun.spawnSync([process.execPath, '-e', script], { env: { ...process.env, NO_COLOR: '1' } })
  const output = `${run.stdout.toString()}${run.stderr.toString()}`
  expect(output).toContain('could not reach https://***@x.example/v1?key=***')
  expect(output).not.toContain('S3cretPass')
  expect(output).not.toContain('AIzaLEAKLEAK')
  expect(output).toContain('original kept')
})
