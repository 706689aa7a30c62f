import { describe, expect, test } from 'bun:test'
import { createHash } from 'node:crypto'
import { isOpencodeHost, opencodeSession } from '../../src/providers/opencode-session.ts'

const GO = 'https://opencode.ai/zen/go/v1'
const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 32)

describe('opencodeSession', () => {
  test('only for opencode.ai hosts, or an entry flagged as generated ocgo', () => {
    const headers = new Headers({ 'session-id': 'thread-1' })
    expect(opencodeSession('https://api.deepseek.com/v1', headers, {})).toBeUndefined()
    expect(opencodeSession('https://opencode.ai.evil.example/v1', headers, {})).toBeUndefined()
    expect(opencodeSession(GO, headers, {})).toBe('thread-1')
    expect(opencodeSession('https://api.opencode.ai/zen/v1', headers, {})).toBe('thread-1')
    // A generated ocgo-* row pointed elsewhere (a proxy, a test fake) still gets the header.
    expect(opencodeSession('http://127.0.0.1:9999/zen/go/v1', headers, {}, true)).toBe('thread-1')
    expect(isOpencodeHost('not a url')).toBe(false)
  })

  test.each([
    ['the client\'s own x-opencode-session first', { 'x-opencode-session': 'mine', 'session-id': 's', 'thread-id': 't' }, 'mine'],
    ['then Codex session-id', { 'session-id': 's', 'thread-id': 't' }, 's'],
    ['then session_id', { session_id: 'underscored', 'thread-id': 't' }, 'underscored'],
    ['then thread-id', { 'thread-id': 't' }, 't'],
    ['then the parent thread', { 'x-codex-parent-thread-id': 'parent' }, 'parent'],
  ])('%s', (_name, headers, expected) => {
    expect(opencodeSession(GO, new Headers(headers), { prompt_cache_key: 'cache' })).toBe(expected)
  })

  test('then prompt_cache_key, then a hash of the first user message', () => {
    expect(opencodeSession(GO, new Headers(), { prompt_cache_key: 'conv-42', input: 'hello' })).toBe('conv-42')
    expect(opencodeSession(GO, new Headers(), { prompt_cache_key: 7, input: 'hello' })).toBe(sha('hello'))
    // Responses items: the first user message, its input_text parts.
    const input = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'system stuff' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'first' }, { type: 'input_image', image_url: 'x' }, { type: 'input_text', text: 'second' }] },
      { type: 'message', role: 'user', content: 'later' },
    ]
    expect(opencodeSession(GO, new Headers(), { input })).toBe(sha('first\nsecond'))
    // Chat and Messages: `messages`, string or text parts.
    expect(opencodeSession(GO, new Headers(), { messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'chat hello' }] })).toBe(sha('chat hello'))
    expect(opencodeSession(GO, new Headers(), { messages: [{ role: 'user', content: [{ type: 'text', text: 'anthropic hello' }] }] })).toBe(sha('anthropic hello'))
    // The same conversation gives the same id on every request; another gives another.
    const a = opencodeSession(GO, new Headers(), { messages: [{ role: 'user', content: 'x' }, { role: 'assistant', content: 'y' }, { role: 'user', content: 'z' }] })
    expect(a).toBe(opencodeSession(GO, new Headers(), { messages: [{ role: 'user', content: 'x' }] })!)
    expect(a).not.toBe(opencodeSession(GO, new Headers(), { messages: [{ role: 'user', content: 'other' }] })!)
  })

  test('with nothing to go on, still a stable id (the header is mandatory)', () => {
    const id = opencodeSession(GO, new Headers(), {})
    expect(id).toMatch(/^[0-9a-f]{32}$/)
    expect(opencodeSession(GO, new Headers(), {})).toBe(id!)
  })

  test('bounded and clean: control characters dropped, long or non-ASCII values hashed, blanks skipped', () => {
    expect(opencodeSession(GO, new Headers(), { prompt_cache_key: 'a\u0000b\u001fc\u007f' })).toBe('abc')
    const long = 'x'.repeat(500)
    const hashed = opencodeSession(GO, new Headers(), { prompt_cache_key: long })!
    expect(hashed).toBe(sha(long))
    expect(hashed.length).toBeLessThanOrEqual(128)
    expect(opencodeSession(GO, new Headers(), { prompt_cache_key: 'x'.repeat(128) })).toBe('x'.repeat(128))
    expect(opencodeSession(GO, new Headers(), { prompt_cache_key: 'café-conversation' })).toBe(sha('café-conversation'))
    // A blank header falls through to the next source.
    expect(opencodeSession(GO, new Headers({ 'x-opencode-session': '   ' }), { prompt_cache_key: 'next' })).toBe('next')
  })
})
