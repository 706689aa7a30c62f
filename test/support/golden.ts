import { expect } from 'bun:test'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'

/**
 * Byte-for-byte comparison with a reviewed golden file. `UPDATE_GOLDEN=1 bun
 * test` rewrites them; the diff is reviewed like code. A missing golden fails.
 */
export function expectGolden(path: string, actual: string): void {
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, actual)
    return
  }
  if (!existsSync(path)) throw new Error(`Missing golden ${path}; run UPDATE_GOLDEN=1 bun test and review it.`)
  expect(actual).toBe(readFileSync(path, 'utf8'))
}

/** mulberry32: a tiny seeded PRNG so "random" splits are the same on every run. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/**
 * Splits text or bytes into pieces of 1..maxSize characters or bytes, cutting
 * through UTF-8 sequences, surrogate pairs, escapes and line ends.
 */
export function randomSplit(input: string, seed: number, maxSize?: number): string[]
export function randomSplit(input: Uint8Array, seed: number, maxSize?: number): Uint8Array[]
export function randomSplit(input: string | Uint8Array, seed: number, maxSize = 7): (string | Uint8Array)[] {
  const random = seededRandom(seed)
  const out: (string | Uint8Array)[] = []
  for (let i = 0; i < input.length; ) {
    const size = 1 + Math.floor(random() * maxSize)
    out.push(input.slice(i, i + size))
    i += size
  }
  return out
}

export async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = []
  for await (const item of stream as unknown as AsyncIterable<T>) out.push(item)
  return out
}
