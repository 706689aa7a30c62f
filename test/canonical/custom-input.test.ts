import { describe, expect, test } from 'bun:test'
import { CustomInputExtractor, unwrapCustomInput } from '../../src/canonical/custom-input.ts'
import { randomSplit } from '../support/golden.ts'

/** Feeds `text` in the given pieces; returns what each push released, then what finish released. */
function run(pieces: string[]): { deltas: string[]; total: string } {
  const extractor = new CustomInputExtractor()
  const deltas = pieces.map((piece) => extractor.push(piece))
  deltas.push(extractor.finish())
  return { deltas, total: deltas.join('') }
}

const PATCH = '*** Begin Patch\n*** Update File: a.ts\n@@\n-const q = "old"\n+const q = "new\\\\path"\t// ü\n*** End Patch\n'
// Escapes of every kind, a \u escape for ASCII, an emoji as an escaped surrogate pair and raw.
const WRAPPED = JSON.stringify({ input: PATCH }).replace('ü', '\\u00fc') + ''
const EMOJI = '{"input":"smile \\ud83d\\ude00 and 😀 \\/ \\b\\f\\r end"}'

describe('CustomInputExtractor: the string value of {"input": …} as it arrives', () => {
  test('every split point of a wrapped patch decodes to exactly the patch, and text leaves before the end', () => {
    for (const text of [WRAPPED, EMOJI]) {
      const expected = JSON.parse(text).input as string
      for (let cut = 0; cut <= text.length; cut++) {
        const { deltas, total } = run([text.slice(0, cut), text.slice(cut)])
        expect(total).toBe(expected)
        // No delta ends in half a surrogate pair: each one is valid text on its own.
        for (const delta of deltas) if (delta) expect(/[\ud800-\udbff]$/.test(delta)).toBe(false)
      }
      const { deltas } = run(randomSplit(text, 7))
      expect(deltas.filter(Boolean).length).toBeGreaterThan(3)
    }
  })

  test('seeded random 1–7 character pieces, escapes split anywhere (\\n, \\", \\\\, \\uXXXX, surrogate pairs)', () => {
    for (const text of [WRAPPED, EMOJI, ' { "input" : "a\\u00e9\\"b\\\\c" , "other": 1 } ']) {
      for (let seed = 1; seed <= 50; seed++) expect(run(randomSplit(text, seed)).total).toBe(unwrapCustomInput(text))
      expect(unwrapCustomInput(text)).toBe(JSON.parse(text).input)
    }
  })

  test('one character at a time: every escape is split', () => {
    expect(run([...EMOJI]).total).toBe(JSON.parse(EMOJI).input)
    expect(run(WRAPPED.split('')).total).toBe(PATCH)
  })

  test('arguments of another shape are held and judged whole at the end, as before (no text lost or doubled)', () => {
    const cases: [string, string][] = [
      ['*** Begin Patch\n*** End Patch', '*** Begin Patch\n*** End Patch'], // raw text
      ['{"patch":"only one string"}', 'only one string'], // another key, one string value
      ['{"path":"a","input":"the patch"}', 'the patch'], // input not first
      ['{"input":5}', '{"input":5}'], // not a string
      ['"a JSON string"', 'a JSON string'],
      ['{}', '{}'],
      ['', ''],
    ]
    for (const [text, expected] of cases) {
      expect(unwrapCustomInput(text)).toBe(expected)
      for (let seed = 1; seed <= 10; seed++) {
        const { deltas, total } = run(randomSplit(text, seed))
        expect(total).toBe(expected)
        expect(deltas.slice(0, -1).join('')).toBe('') // nothing before the end
      }
    }
  })

  test('a value cut off mid-way (or mid-escape) is taken as far as it went, the same way however it was split', () => {
    for (const text of ['{"input":"*** Begin Patch\\n+half', '{"input":"ab\\u00', '{"input":"ab\\']) {
      const whole = unwrapCustomInput(text)
      for (let seed = 1; seed <= 10; seed++) expect(run(randomSplit(text, seed)).total).toBe(whole)
    }
    expect(unwrapCustomInput('{"input":"*** Begin Patch\\n+half')).toBe('*** Begin Patch\n+half')
    expect(unwrapCustomInput('{"input":"ab\\u00')).toBe('ab\\u00')
    // Text after the closing quote does not change the value already sent.
    expect(unwrapCustomInput('{"input":"done"} trailing')).toBe('done')
  })

  test('only undecided or fallback text is buffered: a streaming value holds nothing', () => {
    const extractor = new CustomInputExtractor()
    extractor.push('{"input":"')
    extractor.push('x'.repeat(10_000))
    expect(extractor.bufferedLength).toBe(0)
    const raw = new CustomInputExtractor()
    raw.push('x'.repeat(10_000))
    expect(raw.bufferedLength).toBe(10_000)
  })
})
