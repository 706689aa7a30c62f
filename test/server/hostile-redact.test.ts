/** The credential scrubber behind 7.6: what counts as a secret, and secrets split across reads. */
import { expect, test } from 'bun:test'
import { watchedReader } from '../../src/sse/idle.ts'
import { byteScrubber, redactText, rememberSecrets, secretsOf } from '../../src/upstream/redact-sent.ts'

const KEY = 'sk-split-secret-0123456789'

test('secretsOf: the bearer token, x-api-key and extra header values; not content types or short settings', () => {
  const secrets = secretsOf({ authorization: `Bearer ${KEY}`, 'x-api-key': 'anthropic-key-abcdef', 'x-team': 'team-token-xyz', 'content-type': 'application/json', accept: 'text/event-stream', 'anthropic-version': '2023-06-01', 'x-flag': 'true' })
  expect(secrets.sort()).toEqual([KEY, 'anthropic-key-abcdef', 'team-token-xyz'].sort())
  expect(redactText(`got Bearer ${KEY} and team-token-xyz`, secrets)).toBe('got Bearer [redacted] and [redacted]')
})

test.each([1, 2, 3, 5, 7, 13])('a secret split across reads of %i bytes is still removed, and nothing else changes', (size) => {
  const text = `data: {"error":{"message":"you sent ${KEY} twice: ${KEY}"}}\n\ndata: sk-split but not the key\n\n`
  const bytes = new TextEncoder().encode(text)
  const scrubber = byteScrubber([KEY])
  const out: Uint8Array[] = []
  for (let at = 0; at < bytes.length; at += size) out.push(scrubber.push(bytes.subarray(at, at + size)))
  const rest = scrubber.flush()
  if (rest) out.push(rest)
  expect(new TextDecoder().decode(Buffer.concat(out))).toBe(text.replaceAll(KEY, '[redacted]'))
})

test('watchedReader scrubs the bodies of responses we sent secrets with, and only those', async () => {
  const read = async (remember: boolean) => {
    const response = new Response(`quoted: ${KEY}`)
    if (remember) rememberSecrets(response, [KEY])
    const reader = watchedReader(response.body!, 0)
    let text = ''
    for (;;) {
      const { value, done } = await reader.read()
      if (done) return text
      text += new TextDecoder().decode(value)
    }
  }
  expect(await read(true)).toBe('quoted: [redacted]')
  expect(await read(false)).toBe(`quoted: ${KEY}`)
})
