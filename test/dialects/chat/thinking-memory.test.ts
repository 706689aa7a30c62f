import { beforeEach, describe, expect, test } from 'bun:test'
import type { OutputItem, ResponsesItem } from '../../../src/canonical/types.ts'
import { forgetThinking, rememberThinking, withRememberedThinking } from '../../../src/dialects/chat/thinking-memory.ts'
import { encodeThinking } from '../../../src/dialects/messages/thinking-signature.ts'

const signed = (text: string) => ({ type: 'reasoning', summary: [{ type: 'summary_text', text }], encrypted_content: encodeThinking({ type: 'thinking', thinking: text, signature: `sig-${text}` }) }) as ResponsesItem
const call = (id: string) => ({ type: 'function_call', call_id: id, name: 'ls', arguments: '{}' }) as ResponsesItem
const user = (text: string) => ({ type: 'message', role: 'user', content: text }) as ResponsesItem
const said = (text: string) => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] }) as ResponsesItem
const output = (id: string) => ({ type: 'function_call_output', call_id: id, output: 'ok' }) as ResponsesItem

describe('Claude\'s signed thinking, kept for Chat clients', () => {
  beforeEach(forgetThinking)

  test('put back at the start of the assistant turn whose calls it came with, text and all', () => {
    rememberThinking([signed('plan'), said('Let me look.'), call('toolu_a'), call('toolu_b')] as OutputItem[])
    const request = { model: 'm', input: [user('hi'), said('Let me look.'), call('toolu_a'), call('toolu_b'), output('toolu_a'), output('toolu_b')] }
    const back = withRememberedThinking(request)
    expect(back.input).toEqual([user('hi'), signed('plan'), said('Let me look.'), call('toolu_a'), call('toolu_b'), output('toolu_a'), output('toolu_b')])
    expect(request.input).toHaveLength(6) // the client's request is left as it was
  })

  test('nothing added where the turn opens with signed thinking already, nothing known, or nothing kept', () => {
    rememberThinking([signed('plan'), call('toolu_a')] as OutputItem[])
    const already = { model: 'm', input: [user('hi'), signed('plan'), call('toolu_a'), output('toolu_a')] }
    expect(withRememberedThinking(already)).toBe(already)
    const unknown = { model: 'm', input: [user('hi'), call('call_other'), output('call_other')] }
    expect(withRememberedThinking(unknown)).toBe(unknown)
    rememberThinking([said('no tools'), call('toolu_plain')] as OutputItem[])
    const plain = { model: 'm', input: [user('hi'), call('toolu_plain'), output('toolu_plain')] }
    expect(withRememberedThinking(plain)).toBe(plain)
  })

  test('kept an hour at most', () => {
    rememberThinking([signed('plan'), call('toolu_a')] as OutputItem[], 0)
    const request = { model: 'm', input: [user('hi'), call('toolu_a'), output('toolu_a')] }
    expect(withRememberedThinking(request, 59 * 60 * 1000).input).toHaveLength(4)
    expect(withRememberedThinking(request, 61 * 60 * 1000)).toBe(request)
  })
})

test('a custom (freeform) tool call keeps its thinking as a function call does', () => {
  forgetThinking()
  const custom = { type: 'custom_tool_call', call_id: 'toolu_p', name: 'apply_patch', input: '*** Begin Patch' } as ResponsesItem
  rememberThinking([signed('patch it'), custom] as OutputItem[])
  const back = withRememberedThinking({ model: 'm', input: [user('fix it'), custom, { type: 'custom_tool_call_output', call_id: 'toolu_p', output: 'done' } as ResponsesItem] })
  expect(back.input).toEqual([user('fix it'), signed('patch it'), custom, { type: 'custom_tool_call_output', call_id: 'toolu_p', output: 'done' } as ResponsesItem])
})
