import { describe, expect, test } from 'bun:test'
import { patchForBackend } from '../../src/chatgpt/patch-body.ts'

const options = { model: 'gpt-5.5', clientIsCodex: false, efforts: ['low', 'medium', 'high'] }

describe('patchForBackend on a body as the client sent it (a fast path validates only the envelope)', () => {
  test('items that are not the expected shape are passed on as sent, never read as if they were', () => {
    const input = [null, 7, 'text', [], { type: 'reasoning', encrypted_content: 12 }, { type: 'compaction', encrypted_content: { x: 1 } }, { type: 'message', role: 'user', content: 'hi' }]
    const patched = patchForBackend({ model: 'm', stream: true, store: false, input }, options)
    expect(patched?.input).toEqual(input)
  })

  test('a leading system message whose content is neither text nor a list stays in the input, for the backend to refuse', () => {
    const odd = [{ type: 'message', role: 'system', content: { text: 'odd' } }, { type: 'message', role: 'user', content: 'hi' }]
    const kept = patchForBackend({ model: 'm', stream: true, store: false, input: odd }, options)
    expect(kept?.instructions).toBeUndefined()
    expect(kept?.input).toEqual(odd)
    const readable = [{ type: 'message', role: 'system', content: [null, { text: 'be brief' }] }, { type: 'message', role: 'user', content: 'hi' }]
    const hoisted = patchForBackend({ model: 'm', stream: true, store: false, input: readable }, options)
    expect(hoisted?.instructions).toBe('\nbe brief')
    expect(hoisted?.input).toEqual([readable[1]])
  })

  test('what it is for, unchanged: our reasoning dropped, our compaction turned back into text, effort clamped', () => {
    const input = [
      { type: 'reasoning', summary: [], encrypted_content: 'codex-shim.r1.abc' },
      { type: 'reasoning', summary: [], encrypted_content: 'gAAAA-real' },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go' }] },
    ]
    const patched = patchForBackend({ model: 'm', stream: true, store: false, input, reasoning: { effort: 'xhigh' } }, options)
    expect(patched?.input).toEqual([input[1], input[2]])
    expect(patched?.reasoning).toEqual({ effort: 'high' })
  })

  test('a body that needs nothing changed gives null, so its bytes go as they came', () => {
    expect(patchForBackend({ model: 'gpt-5.5', stream: true, store: false, input: [{ type: 'message', role: 'user', content: 'hi' }] }, { ...options, clientIsCodex: true })).toBeNull()
  })
})
