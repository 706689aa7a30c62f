import { describe, expect, test } from 'bun:test'
import { readBody } from '../../src/server/body.ts'
import { ShimError } from '../../src/errors.ts'

/** Bodies below and above the size where readBody changes how it decodes (4 KB). */
const post = (bytes: Uint8Array) => new Request('http://127.0.0.1/v1/responses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: bytes })
const encoded = (text: string) => new TextEncoder().encode(text)
const bodyOf = (size: number, text: string) => JSON.stringify({ model: 'm', input: text.repeat(Math.ceil(size / text.length)) })

describe('readBody decodes UTF-8 the same at every size', () => {
  for (const size of [100, 5000, 300_000]) {
    test(`${size} bytes: ASCII, multi-byte text and a leading byte-order mark`, async () => {
      for (const text of [bodyOf(size, 'plain ascii '), bodyOf(size, 'Fïx — ✓ 修复 🚀 ')]) {
        const read = await readBody(post(encoded(text)))
        expect(read.text).toBe(text)
        expect(read.json).toEqual(JSON.parse(text))
        const withMark = await readBody(post(new Uint8Array([0xef, 0xbb, 0xbf, ...encoded(text)])))
        expect(withMark.text).toBe(text)
      }
    })

    test(`${size} bytes: invalid UTF-8 is refused, not replaced (a lone continuation byte, a cut sequence)`, async () => {
      for (const bad of [[0x80], [0xe2, 0x82]]) {
        const bytes = encoded(bodyOf(size, 'plain ascii '))
        const broken = new Uint8Array([...bytes.subarray(0, bytes.length - 2), ...bad, ...bytes.subarray(bytes.length - 2)])
        const error = (await readBody(post(broken)).catch((caught) => caught)) as ShimError
        expect(error).toBeInstanceOf(ShimError)
        expect(error.message).toBe('The request body is not valid UTF-8.')
      }
    })
  }

  test('a real U+FFFD in the text is kept: only bad bytes are refused', async () => {
    const text = bodyOf(6000, 'tool output \uFFFD\uFFFD ')
    expect((await readBody(post(encoded(text)))).text).toBe(text)
  })
})

test('the body size it reports is in UTF-8 bytes, as the ledger estimates tokens from it (~4 bytes each)', async () => {
  const text = JSON.stringify({ model: 'm', input: '日本語のプロンプト' })
  const read = await readBody(post(encoded(text)))
  expect(read.bytes).toBe(encoded(text).byteLength)
  expect(read.bytes).toBeGreaterThan(text.length)
})
