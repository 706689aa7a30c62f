import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import type { ResponsesEvent } from '../../src/canonical/types.ts'
import { createChatChunkEncoder } from '../../src/dialects/chat/from-events.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

// A Responses model with web search citing two sources in one answer. OpenAI streams a Chat
// answer's annotations together in one late delta; a delta's `annotations` replace the ones
// before in the openai SDK's stream helper, so one delta per citation left only the last.
const TEXT = 'Bun 1.3 shipped in October. Node 24 shipped in May.'
const SOURCES = [{ url: 'https://bun.sh', title: 'Bun', start_index: 0, end_index: 27 }, { url: 'https://nodejs.org', title: 'Node', start_index: 28, end_index: TEXT.length }]
const upstream = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: TEXT, citations: SOURCES }] }))
const shim = startShim(settingsFrom([{ slug: 'cites', model: 'gpt-search', provider: 'openai-responses', base_url: upstream.url }]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); upstream.close() })
const EXPECTED = SOURCES.map(({ url, title, start_index, end_index }) => ({ type: 'url_citation', url_citation: { url, title, start_index, end_index } }))

test('non-streamed: both citations', async () => {
  const completion = await openai.chat.completions.create({ model: 'cites', messages: [{ role: 'user', content: 'news?' }] })
  expect(completion.choices[0]!.message.annotations).toEqual(EXPECTED as never)
})

test('stream helper finalChatCompletion(): both citations', async () => {
  const final = await openai.chat.completions.stream({ model: 'cites', messages: [{ role: 'user', content: 'news?' }] }).finalChatCompletion()
  expect(final.choices[0]!.message.annotations).toEqual(EXPECTED as never)
})

test('the raw stream: one annotations delta with both, after the text and before the finish chunk', async () => {
  const stream = await openai.chat.completions.create({ model: 'cites', stream: true, messages: [{ role: 'user', content: 'news?' }] })
  const seen: string[] = []
  const annotations: unknown[] = []
  for await (const chunk of stream) {
    const choice = chunk.choices[0]
    if (!choice) continue
    const delta = choice.delta as { content?: string; annotations?: unknown[] }
    if (delta.annotations) {
      seen.push('annotations')
      annotations.push(delta.annotations)
    } else if (delta.content) seen.push('text')
    if (choice.finish_reason) seen.push('finish')
  }
  expect(seen.slice(-2)).toEqual(['annotations', 'finish'])
  expect(annotations).toEqual([EXPECTED])
})

test('the encoder: two messages\' citations in one delta, each range moved to where its text sits in the one content', () => {
  const encode = createChatChunkEncoder({ model: 'm', includeUsage: false, id: 'chatcmpl_1', created: 1 })
  const message = (index: number, text: string, url: string): Record<string, unknown>[] => [
    { type: 'response.output_item.added', output_index: index, item: { type: 'message', id: `msg_${index}`, role: 'assistant', status: 'in_progress', content: [] } },
    { type: 'response.output_text.delta', output_index: index, item_id: `msg_${index}`, content_index: 0, delta: text },
    { type: 'response.output_text.annotation.added', output_index: index, item_id: `msg_${index}`, content_index: 0, annotation_index: 0, annotation: { type: 'url_citation', url, title: url, start_index: 0, end_index: text.length } },
  ]
  const events = [...message(0, 'First.', 'https://a'), ...message(1, 'Second.', 'https://b'), { type: 'response.completed', response: { id: 'r', object: 'response', created_at: 1, model: 'm', status: 'completed', output: [] } }]
  const chunks = (events as ResponsesEvent[]).flatMap(encode).filter((message) => message.data !== '[DONE]').map((message) => JSON.parse(message.data))
  const withAnnotations = chunks.filter((chunk) => chunk.choices[0].delta.annotations)
  expect(withAnnotations).toHaveLength(1)
  expect(withAnnotations[0].choices[0].delta.annotations).toEqual([
    { type: 'url_citation', url_citation: { url: 'https://a', title: 'https://a', start_index: 0, end_index: 6 } },
    { type: 'url_citation', url_citation: { url: 'https://b', title: 'https://b', start_index: 6, end_index: 13 } },
  ])
  expect(chunks.indexOf(withAnnotations[0])).toBe(chunks.length - 2) // then the finish chunk
  expect(chunks.at(-1).choices[0].finish_reason).toBe('stop')
})
