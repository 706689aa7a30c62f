import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { sha256, sha256Hex } from '../../src/sha256.ts'

// The task keys in the ledger, the router's task memory and Cursor's session keys were made with
// node:crypto; the native hasher must give the same digests or stored keys would stop matching.
describe('sha256 through Bun’s native hasher', () => {
  const node = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex')

  test.each(['', 'abc', 'héllo 🌍 wörld', 'x'.repeat(100_000)])('text %#: the digest node:crypto gives', (text) => {
    expect(sha256Hex(text)).toBe(node(text))
  })

  test('bytes, and a digest built from parts', () => {
    const bytes = new Uint8Array([0, 1, 2, 255, 254])
    expect(sha256Hex(bytes)).toBe(node(bytes))
    expect(sha256().update('a').update('b').update('c').digest('hex')).toBe(node('abc'))
  })
})
