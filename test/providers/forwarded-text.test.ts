/** The text a fast path sends: the client's own bytes with the upstream's model, or serialised again when that is not safe. */
import { expect, test } from 'bun:test'
import { forwardedText } from '../../src/providers/forwarded.ts'

const forward = (text: string, model: string, extra?: Record<string, unknown>) => forwardedText({ json: JSON.parse(text), text }, model, extra)

test.each([
  ['the client text, model replaced', '{"model":"chat","messages":[{"role":"user","content":"hi"}]}', 'gpt-up', undefined, '{"model":"gpt-up","messages":[{"role":"user","content":"hi"}]}'],
  ['whitespace and key order kept', '{ "model" : "chat",\n  "stream": true }\n', 'gpt-up', undefined, '{ "model" : "gpt-up",\n  "stream": true }\n'],
  ['a name that needs escaping is escaped', '{"model":"chat","n":1}', 'a"b', undefined, '{"model":"a\\"b","n":1}'],
  ['extra keys before the closing brace', '{"model":"chat","stream":true}', 'up', { stream_options: { include_usage: true } }, '{"model":"up","stream":true,"stream_options":{"include_usage":true}}'],
  ['extra keys with trailing whitespace', '{"model":"chat"}  \n', 'up', { a: 1 }, '{"model":"up","a":1}  \n'],
  ['numbers as the client wrote them', '{"model":"chat","seed":12345678901234567890,"t":1.0}', 'up', undefined, '{"model":"up","seed":12345678901234567890,"t":1.0}'],
  ['the same model, nothing extra: the very text', '{"model":"up", "x": 1}', 'up', undefined, '{"model":"up", "x": 1}'],
])('spliced: %s', (_, text, model, extra, expected) => {
  expect(forward(text, model, extra)).toBe(expected)
})

test.each([
  ['the model not first', '{"messages":[],"model":"chat"}'],
  ['another "model" anywhere (a tool property)', '{"model":"chat","tools":[{"parameters":{"properties":{"model":{"type":"string"}}}}]}'],
  ['a duplicate model key (the last one counts)', '{"model":"chat","model":"other"}'],
  ['an escaped model name', '{"model":"ch\\u0061t"}'],
  ['a second model key spelt with an escape (the last one counts)', '{"model":"chat","m\\u006fdel":"chat","messages":[]}'],
])('serialised again: %s', (_, text) => {
  const json = JSON.parse(text)
  expect(forward(text, 'up')).toBe(JSON.stringify({ ...json, model: 'up' }))
})

test('an extra key the client sent too is serialised again (never two of a key)', () => {
  const text = '{"model":"chat","stream_options":null}'
  expect(forward(text, 'up', { stream_options: { include_usage: true } })).toBe('{"model":"up","stream_options":{"include_usage":true}}')
})

test('no text (an alias pinned options, or stored context was expanded): serialised', () => {
  expect(forwardedText({ json: { model: 'chat', temperature: 0 }, text: null }, 'up')).toBe('{"model":"up","temperature":0}')
})

test('whatever the path, the upstream reads the same object', () => {
  const texts = ['{"model":"chat","a":[1,{"b":"c"}]}', '{"a":1,"model":"chat"}', '{ "model":"chat" , "x":"\\"model\\"" }', '{"model":"chat","stream":true}']
  for (const text of texts) {
    const json = JSON.parse(text)
    expect(JSON.parse(forward(text, 'up', { extra: true }))).toEqual({ ...json, model: 'up', extra: true })
  }
})
