/**
 * Reasoning codex-shim made for other models never reaches a Responses server, which cannot read it:
 * an audit found a Codex session that switched from a Claude or chat model to an `openai-responses`
 * model refused on every later turn (OpenAI: 400 invalid_encrypted_content for our signed thinking,
 * 404 "Item with id 'rs_…' not found" for reasoning with no encrypted content when nothing is stored).
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { withoutShimItems } from '../../src/canonical/shim-items.ts'
import type { ResponsesItem } from '../../src/canonical/types.ts'
import { startFakeResponsesUpstream, type Json } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

const user = { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'go on' }] } as ResponsesItem
const chatReasoning = { type: 'reasoning', id: 'rs_shim1', summary: [{ type: 'summary_text', text: 'a chat model thought' }] } as ResponsesItem
const claudeThinking = { type: 'reasoning', id: 'rs_shim2', summary: [], encrypted_content: 'codex-shim.anthropic.v1:abc' } as ResponsesItem
const openaiReasoning = { type: 'reasoning', id: 'rs_openai', summary: [], encrypted_content: 'gAAAAopaque' } as ResponsesItem

describe('withoutShimItems', () => {
  test('drops our encrypted reasoning always, and reasoning without encrypted content when nothing is stored', () => {
    expect(withoutShimItems([chatReasoning, claudeThinking, openaiReasoning, user], { stored: false })).toEqual([openaiReasoning, user])
    // Stored upstream, a reasoning item with no encrypted content may be the server's own, found by its id.
    expect(withoutShimItems([chatReasoning, claudeThinking, openaiReasoning, user], { stored: true })).toEqual([chatReasoning, openaiReasoning, user])
  })

  test('the same array when there is nothing to drop', () => {
    const input = [openaiReasoning, user]
    expect(withoutShimItems(input, { stored: false })).toBe(input)
  })
})

const upstream = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: 'ok' }] }))
const shim = startShim(settingsFrom([{ slug: 'resp', model: 'gpt-test', provider: 'openai-responses', base_url: upstream.url, api_key: 'sk-x' }]))
afterAll(() => {
  shim.close()
  upstream.close()
})

const post = (base: string, path: string, body: unknown, headers: Record<string, string> = {}) => fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })
const sentInput = () => (upstream.requests.at(-1)!.body as Json).input as Json[]

describe('openai-responses', () => {
  test('fast path: a Codex history from other models (store: false) goes out without their reasoning, the rest as sent', async () => {
    const response = await post(shim.url, '/v1/responses', { model: 'resp', store: false, stream: false, input: [user, chatReasoning, claudeThinking, openaiReasoning, user] })
    expect(response.status).toBe(200)
    expect(sentInput()).toEqual([user, openaiReasoning, user] as unknown as Json[])
  })

  test('fast path: stored (store left to its default), a reasoning item without encrypted content is the server\'s to find', async () => {
    await post(shim.url, '/v1/responses', { model: 'resp', stream: false, input: [user, chatReasoning, claudeThinking] })
    expect(sentInput()).toEqual([user, chatReasoning] as unknown as Json[])
  })

  test('translated: a Messages client\'s Claude thinking (signed by codex-shim) stays out of the upstream request', async () => {
    const response = await post(shim.url, '/v1/messages', {
      model: 'resp',
      max_tokens: 100,
      messages: [
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: [{ type: 'thinking', thinking: 'thought on Claude', signature: 'codex-shim.anthropic.v1:abc' }, { type: 'text', text: 'hello' }] },
        { role: 'user', content: 'go on' },
      ],
    }, { 'anthropic-version': '2023-06-01' })
    expect(response.status).toBe(200)
    expect(JSON.stringify(sentInput())).not.toContain('codex-shim.anthropic')
  })
})

describe('an upstream 404 about something the request named', () => {
  const notFound = startFakeResponsesUpstream((body) => {
    const reference = (body.input as Json[]).find((item) => item.type === 'item_reference')
    return reference
      ? { kind: 'error', status: 404, body: { error: { message: `Item with id '${reference.id}' not found.`, type: 'invalid_request_error', param: 'input', code: null } } }
      : { kind: 'error', status: 404, body: { error: { message: 'The model `gpt-test` does not exist.', type: 'invalid_request_error', param: null, code: 'model_not_found' } } }
  })
  const proxy = startShim(settingsFrom([{ slug: 'resp', model: 'gpt-test', provider: 'openai-responses', base_url: notFound.url, api_key: 'sk-x' }]))
  afterAll(() => {
    proxy.close()
    notFound.close()
  })

  test('keeps its field and says nothing of the model; one about the model is still about the settings', async () => {
    const item = await post(proxy.url, '/v1/responses', { model: 'resp', input: [{ type: 'item_reference', id: 'rs_gone' }, user] })
    expect(item.status).toBe(404)
    const { error } = (await item.json()) as { error: { code: string | null; param: string | null; message: string } }
    expect(error.param).toBe('input')
    expect(error.code).not.toBe('model_not_found')
    expect(error.message).toContain("Item with id 'rs_gone' not found.")
    expect(error.message).not.toContain('Check the model id')

    const wrongUrl = await post(proxy.url, '/v1/responses', { model: 'resp', input: [user] })
    expect(wrongUrl.status).toBe(404)
    expect(((await wrongUrl.json()) as { error: { code: string } }).error.code).toBe('model_not_found')
  })
})
