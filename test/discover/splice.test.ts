/**
 * discover and opencode-go refresh change only their own rows: an audit found the whole models.json
 * rewritten through JSON.parse and JSON.stringify, so a user's own entry lost its layout and an
 * integer past 2^53 lost its digits (12345678901234567890 became 12345678901234567000).
 */
import { describe, expect, test } from 'bun:test'
import { detectIndent, lineEndingOf, mergeGenerated, renderSettings, type Json } from '../../src/discover/merge.ts'
import { spliceGenerated } from '../../src/discover/splice.ts'

const isGenerated = (entry: Json) => typeof entry.generated_by === 'string'
const row = (model: string): Json => ({ slug: `local-${model}`, model, provider: 'ollama', generated_by: 'discover:x' })

/** The text after a refresh that produced `rows`, as discover writes it. */
function refreshed(text: string, rows: Json[]): string {
  const merged = mergeGenerated(JSON.parse(text) as Json, isGenerated, rows)
  const spliced = spliceGenerated(text, isGenerated, merged, detectIndent(text), lineEndingOf(text))
  expect(spliced).not.toBeNull()
  expect(JSON.parse(spliced!)).toEqual(merged.document)
  return spliced!
}

describe('spliceGenerated', () => {
  test('a hand-laid entry and a number JSON.parse would round keep every byte; the new rows go after them', () => {
    const mine = '{ "slug": "ds", "model": "deepseek-chat", "provider": "generic-chat-completion-api", "base_url": "https://api.deepseek.com/v1",\n      "price": { "input": 0.27, "output": 1.10 } }'
    const text = `{\n  "models": [\n    ${mine}\n  ],\n  "team_id": 12345678901234567890\n}\n`
    const out = refreshed(text, [row('a')])
    expect(out).toContain(mine)
    expect(out).toContain('"team_id": 12345678901234567890')
    expect(out).toBe(`{\n  "models": [\n    ${mine},\n    {\n      "slug": "local-a",\n      "model": "a",\n      "provider": "ollama",\n      "generated_by": "discover:x"\n    }\n  ],\n  "team_id": 12345678901234567890\n}\n`)
  })

  test('a re-run replaces its rows where they were, between the user\'s own, and leaves those as they are', () => {
    const text = '{\n  "models": [\n    {"slug": "mine", "model": "m", "provider": "openai"},\n    {"slug": "local-old", "model": "old", "provider": "ollama", "generated_by": "discover:x"},\n    {"slug": "last", "model": "z",   "provider": "openai"}\n  ]\n}\n'
    const out = refreshed(text, [row('a'), row('b')])
    expect(out.startsWith('{\n  "models": [\n    {"slug": "mine", "model": "m", "provider": "openai"},\n    {\n      "slug": "local-a"')).toBe(true)
    expect(out).toContain('"slug": "local-b"')
    expect(out).toContain('},\n    {"slug": "last", "model": "z",   "provider": "openai"}\n  ]\n}\n')
    expect(out).not.toContain('local-old')
  })

  test('a file written by JSON.stringify comes out as a whole render would (what discover wrote before)', () => {
    const document = { models: [{ slug: 'mine', model: 'm', provider: 'openai' }, row('old')], aliases: { fast: { slug: 'mine' } } }
    for (const indent of [2, 4, '\t', 0] as const) {
      const text = renderSettings(document, indent)
      const merged = mergeGenerated(JSON.parse(text) as Json, isGenerated, [row('a'), row('b')])
      expect(refreshed(text, [row('a'), row('b')])).toBe(renderSettings(merged.document, indent))
    }
  })

  test('CRLF line ends, an empty list, and removing every generated row', () => {
    const crlf = '{\r\n  "models": [\r\n    {"slug": "mine", "model": "m", "provider": "openai"}\r\n  ]\r\n}\r\n'
    const out = refreshed(crlf, [row('a')])
    expect(out.split('\n').every((line, index, lines) => index === lines.length - 1 || line.endsWith('\r'))).toBe(true)
    expect(refreshed('{\n  "models": [],\n  "x": 1\n}\n', [row('a')])).toBe('{\n  "models": [\n    {\n      "slug": "local-a",\n      "model": "a",\n      "provider": "ollama",\n      "generated_by": "discover:x"\n    }\n  ],\n  "x": 1\n}\n')
    expect(refreshed('{"models": [{"slug": "local-old", "model": "old", "generated_by": "discover:x"}], "y": 2}', [])).toBe('{"models": [], "y": 2}')
  })

  test('strings holding brackets, quotes and escapes do not confuse the scan', () => {
    const text = '{\n  "note": "a ] } [ { \\" \\\\",\n  "models": [\n    {"slug": "s", "model": "m]", "provider": "openai", "display_name": "x\\"]}"}\n  ]\n}\n'
    expect(refreshed(text, [row('a')])).toContain('"note": "a ] } [ { \\" \\\\"')
  })

  test('no list to put the rows in: null, and discover writes the whole document', () => {
    const text = '{"aliases": {}}'
    const merged = mergeGenerated(JSON.parse(text) as Json, isGenerated, [row('a')])
    expect(spliceGenerated(text, isGenerated, merged, 0, '\n')).toBeNull()
  })
})
