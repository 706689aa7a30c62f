import { createOpenAI } from '@ai-sdk/openai'
import { generateText, streamText } from 'ai'
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { chunk, startFakeChatUpstream, stream, usageChunk, pieces, type Json } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

/**
 * Answers that cite their sources (OpenAI's search models, OpenRouter's web plugin, a Responses
 * model with web search) keep their citations across dialects: a chat upstream's `annotations`
 * reach Responses clients as url_citation annotations, and a Responses upstream's reach Chat
 * clients as Chat's own, their ranges moved to where the text sits in the one content string.
 * Until now both were dropped. The AI SDK shows them as sources, from either dialect.
 */
const CITED = 'Bun 1.3 shipped in October.'
const SOURCE = { url: 'https://bun.sh/blog/bun-v1.3', title: 'Bun 1.3' }

const chatUpstream = startFakeChatUpstream(() =>
  stream([
    chunk({ role: 'assistant', content: '' }),
    ...pieces(CITED, 6).map((piece) => chunk({ content: piece })),
    // OpenAI and OpenRouter send the citations in a late delta of their own.
    chunk({ annotations: [{ type: 'url_citation', url_citation: { ...SOURCE, start_index: 0, end_index: CITED.length } }] }),
    chunk({}, 'stop'),
    usageChunk(),
  ]),
)
const FIRST = 'Two sources agree. '
const SECOND = 'It shipped in October.'
const responsesUpstream = startFakeResponsesUpstream(() => ({
  kind: 'output',
  items: [{ reasoning: 'Search first.' }, { text: FIRST }, { text: SECOND, citations: [{ ...SOURCE, start_index: 3, end_index: 11 }] }],
}))
const shim = startShim(
  settingsFrom([
    { slug: 'cites-chat', model: 'search-model', provider: 'generic-chat-completion-api', base_url: chatUpstream.url, api_key: 'k-citations-0123456789' },
    { slug: 'cites-responses', model: 'gpt-search', provider: 'openai-responses', base_url: responsesUpstream.url },
  ]),
)
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
const aiSdk = createOpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused' })
afterAll(() => {
  shim.close()
  chatUpstream.close()
  responsesUpstream.close()
})

describe('a chat upstream\'s citations reach Responses clients', () => {
  test('openai SDK responses.stream(): the annotation event, and the finished part carries it', async () => {
    const runner = openai.responses.stream({ model: 'cites-chat', input: 'When did Bun 1.3 ship?' })
    const added: Json[] = []
    runner.on('response.output_text.annotation.added', (event) => added.push(event as Json))
    const final = await runner.finalResponse()
    const expected = { type: 'url_citation', ...SOURCE, start_index: 0, end_index: CITED.length }
    expect(added.map((event) => event.annotation)).toEqual([expected])
    expect(added[0]).toMatchObject({ content_index: 0, annotation_index: 0 })
    expect(final.output_text).toBe(CITED)
    const message = final.output.find((item) => item.type === 'message') as Json
    expect(message.content[0].annotations).toEqual([expected])
  })

  test('openai SDK responses.create() without a stream: the same annotation', async () => {
    const response = await openai.responses.create({ model: 'cites-chat', input: 'When did Bun 1.3 ship?' })
    const message = response.output.find((item) => item.type === 'message') as Json
    expect(message.content[0].annotations).toEqual([{ type: 'url_citation', ...SOURCE, start_index: 0, end_index: CITED.length }])
  })

  test('AI SDK streamText with openai.responses(): the source', async () => {
    const result = streamText({ model: aiSdk.responses('cites-chat'), prompt: 'When did Bun 1.3 ship?' })
    expect(await result.text).toBe(CITED)
    expect((await result.sources).map((source) => (source.sourceType === 'url' ? { url: source.url, title: source.title } : null))).toEqual([SOURCE])
  })
})

describe('a Responses upstream\'s citations reach Chat clients', () => {
  // The cited range is in the second message's text: in Chat's one content string it starts after the first.
  const moved = { type: 'url_citation', url_citation: { ...SOURCE, start_index: FIRST.length + 3, end_index: FIRST.length + 11 } }

  test('openai SDK chat.completions.create(): message.annotations, the range moved', async () => {
    const completion = await openai.chat.completions.create({ model: 'cites-responses', messages: [{ role: 'user', content: 'When?' }] })
    const message = completion.choices[0]!.message
    expect(message.content).toBe(FIRST + SECOND)
    expect(message.annotations).toEqual([moved as never])
    expect(message.content!.slice(moved.url_citation.start_index, moved.url_citation.end_index)).toBe(SECOND.slice(3, 11))
  })

  test('a chat stream carries them in a delta, as OpenAI streams them', async () => {
    const chunks = await openai.chat.completions.create({ model: 'cites-responses', messages: [{ role: 'user', content: 'When?' }], stream: true })
    const annotations: unknown[] = []
    for await (const part of chunks) annotations.push(...(((part.choices[0]?.delta as Json | undefined)?.annotations as unknown[]) ?? []))
    expect(annotations).toEqual([moved])
  })

  test('AI SDK with openai.chat(): the source, streamed and not', async () => {
    const streamed = streamText({ model: aiSdk.chat('cites-responses'), prompt: 'When?' })
    expect(await streamed.text).toBe(FIRST + SECOND)
    expect((await streamed.sources).map((source) => (source.sourceType === 'url' ? { url: source.url, title: source.title } : null))).toEqual([SOURCE])
    const whole = await generateText({ model: aiSdk.chat('cites-responses'), prompt: 'When?' })
    expect(whole.sources.map((source) => (source.sourceType === 'url' ? source.url : null))).toEqual([SOURCE.url])
  })
})
