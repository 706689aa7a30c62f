import { describe, expect, test } from 'bun:test'
import { withoutTrailingSlashes } from '../../src/settings/normalize.ts'
import { isSlug, slugify } from '../../src/settings/slug.ts'
import { keyReferences } from '../../src/settings/secrets.ts'

// The regular expressions these functions were written as: the start-up path reads by hand instead.
const slugifyByRegex = (value: string) => value.trim().toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+|-+$/g, '') || 'model'
const keyReferencesByRegex = (apiKey: string) => [...apiKey.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((match) => match[1]!)

/** Strings built from the characters that matter, and some that do not. */
function randomText(alphabet: string[], seed: number, length: number): string {
  let state = seed
  let text = ''
  for (let index = 0; index < length; index++) {
    state = (state * 1103515245 + 12345) % 2 ** 31
    text += alphabet[state % alphabet.length]
  }
  return text
}

describe('start-path text functions read by hand give what their regular expressions gave', () => {
  test('slugify, on chosen cases', () => {
    for (const value of ['DeepSeek Chat', '  qwen3-coder  ', 'gpt-5.5', '--x--', '..a', '_b_', 'a  b', 'Ünïcode ☃ model', '', '   ', '-', 'a-', 'a.-', 'x/y:z@1', 'Claude Sonnet 4.5 (thinking)', '😀emoji😀']) {
      expect(slugify(value)).toBe(slugifyByRegex(value))
    }
  })

  test('slugify, on 20 000 random strings', () => {
    const alphabet = ['a', 'Z', '0', '9', '.', '_', '-', ' ', '/', ':', 'é', 'İ', '😀', '\t', 'ß']
    for (let seed = 1; seed <= 20_000; seed++) {
      const value = randomText(alphabet, seed, seed % 13)
      expect(slugify(value)).toBe(slugifyByRegex(value))
    }
  })

  test('isSlug, on chosen and random names', () => {
    const byRegex = (name: string) => /^[a-z0-9][a-z0-9._-]*$/.test(name)
    for (const name of ['', 'a', 'fast', 'gpt-5.5', '-a', '.a', '_a', 'A', 'a b', 'a/b', 'é', '9lives']) expect(isSlug(name)).toBe(byRegex(name))
    const alphabet = ['a', 'z', '0', '9', '.', '_', '-', 'A', ' ', 'é', '\n']
    for (let seed = 1; seed <= 5_000; seed++) {
      const name = randomText(alphabet, seed, seed % 9)
      expect(isSlug(name)).toBe(byRegex(name))
    }
  })

  test('withoutTrailingSlashes', () => {
    for (const url of ['https://api.deepseek.com/v1', 'https://api.deepseek.com/v1/', 'http://h/v1///', '/', '///', '', 'a/b']) {
      expect(withoutTrailingSlashes(url)).toBe(url.replace(/\/+$/, ''))
    }
  })

  test('keyReferences, on chosen and random keys', () => {
    for (const key of ['sk-plain', '${A}', 'pre-${KEY_1}-mid-${_x}-${A}', '${1BAD}', '${}', '$A', '${A', '${A}${A}', 'sk-${OPENAI_API_KEY}']) {
      expect(keyReferences(key)).toEqual(keyReferencesByRegex(key))
    }
    const alphabet = ['$', '{', '}', 'A', '_', '1', 'x', '-']
    for (let seed = 1; seed <= 5_000; seed++) {
      const key = randomText(alphabet, seed, seed % 17)
      expect(keyReferences(key)).toEqual(keyReferencesByRegex(key))
    }
  })
})
