/** Ollama and SGLang send `"finish_reason": ""` on every chunk before the last: that must not read as the end of the answer, or a cut stream ends looking finished. */
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startResettingUpstream } from '../fakes/chat-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

// Ollama (ollama/ollama#4357) and SGLang (sgl-project/sglang#3912) stream `"finish_reason": ""` on
// every chunk until the last. This upstream sends two such chunks, then its connection is reset.
const piece = (content: string) => ({ id: 'chatcmpl-1', object: 'chat.completion.chunk', created: 1, model: 'llama3', choices: [{ index: 0, delta: { role: 'assistant', content }, finish_reason: '' }] })
const upstream = startResettingUpstream([piece('The answer is'), piece(' forty')])
const shim = startShim(settingsFrom([{ slug: 'local', model: 'llama3', provider: 'ollama', base_url: upstream.url }]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); upstream.close() })

test('chat fast path: a stream cut after chunks with finish_reason "" ends with an error the SDK raises', async () => {
  let text = ''
  const outcome = await (async () => {
    for await (const chunk of await openai.chat.completions.create({ model: 'local', stream: true, messages: [{ role: 'user', content: 'hi' }] })) text += chunk.choices[0]?.delta.content ?? ''
    return 'ended cleanly'
  })().catch((error) => error)
  expect(text).toBe('The answer is forty')
  expect(outcome).toBeInstanceOf(OpenAI.APIError) 
})

// Control: the same cut with `finish_reason: null` (OpenAI's spelling) is raised as it should be.
const nullPiece = (content: string) => ({ ...piece(content), choices: [{ index: 0, delta: { content }, finish_reason: null }] })
const upstreamNull = startResettingUpstream([nullPiece('The answer is'), nullPiece(' forty')])
const shimNull = startShim(settingsFrom([{ slug: 'local', model: 'llama3', provider: 'ollama', base_url: upstreamNull.url }]))
afterAll(() => { shimNull.close(); upstreamNull.close() })
test('control: finish_reason null, same cut: the SDK raises', async () => {
  const client = new OpenAI({ baseURL: `${shimNull.url}/v1`, apiKey: 'unused', maxRetries: 0 })
  const outcome = await (async () => {
    for await (const _ of await client.chat.completions.create({ model: 'local', stream: true, messages: [{ role: 'user', content: 'hi' }] }));
    return 'ended cleanly'
  })().catch((error) => error)
  expect(outcome).toBeInstanceOf(OpenAI.APIError)
})
