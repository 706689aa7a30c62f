import { afterAll, describe, expect, test } from 'bun:test'
import { messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply, type Json } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { startShim } from '../support/shim.ts'
import { CircuitBreaker } from '../../src/routing/breaker.ts'
import { parseSettings } from '../../src/settings/load.ts'

/**
 * An alias's pinned options on its fallback: a routing audit found the fallback's route built
 * without the alias, so a request for "team-fast" (low effort, 4,000 tokens) that fell back went
 * out with the client's own high effort and 64,000 tokens. Each upstream below fails for its
 * primary model (503) and answers for the spare, so every request here is served by a fallback.
 */
const down = { error: { message: 'overloaded', type: 'server_error' } }
const chat = startFakeChatUpstream((body) => (body.model === 'main-up' ? { kind: 'error', status: 503, body: down } : stream(textReply('ok'))))
const anthropic = startFakeAnthropicUpstream((body) => (body.model === 'claude-main' ? { kind: 'error', status: 503, body: { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } } } : { kind: 'events', events: messageEvents([{ text: 'ok' }]) }))
const responses = startFakeResponsesUpstream((body) => (body.model === 'resp-main' ? { kind: 'error', status: 503, body: down } : { kind: 'output', items: [{ text: 'ok' }] }), { apiKey: 'k-responses' })
afterAll(() => {
  shim.close()
  chat.close()
  anthropic.close()
  responses.close()
})

const pins = { reasoning_effort: 'low', max_output_tokens: 4000 }
const efforts = { reasoning_efforts: ['low', 'medium', 'high'] }
const shim = startShim(
  parseSettings(
    JSON.stringify({
      models: [
        { slug: 'main', model: 'main-up', provider: 'generic-chat-completion-api', base_url: chat.url, ...efforts },
        { slug: 'spare', model: 'spare-up', provider: 'generic-chat-completion-api', base_url: chat.url, ...efforts },
        { slug: 'claude-main', model: 'claude-main', provider: 'anthropic', base_url: anthropic.url, api_key: 'k-anthropic', ...efforts },
        { slug: 'claude-spare', model: 'claude-spare', provider: 'anthropic', base_url: anthropic.url, api_key: 'k-anthropic', ...efforts },
        { slug: 'resp-main', model: 'resp-main', provider: 'openai-responses', base_url: responses.url, api_key: 'k-responses', ...efforts },
        { slug: 'resp-spare', model: 'resp-spare', provider: 'openai-responses', base_url: responses.url, api_key: 'k-responses', ...efforts },
      ],
      aliases: {
        'team-fast': { slug: 'main', ...pins, fallbacks: ['spare'] },
        'claude-fast': { slug: 'claude-main', ...pins, fallbacks: ['claude-spare'] },
        'resp-fast': { slug: 'resp-main', ...pins, fallbacks: ['resp-spare'] },
      },
    }),
    '/test/models.json',
  ),
  // Every request must try its primary first: no breaker opens on the primaries failing again and again.
  { retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, breaker: new CircuitBreaker({ threshold: Number.POSITIVE_INFINITY }) },
)

// What the client asks for, against the alias's pins.
const BODIES = {
  chat: { path: '/v1/chat/completions', body: { messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'high', max_tokens: 64000 } },
  responses: { path: '/v1/responses', body: { input: 'hi', reasoning: { effort: 'high' }, max_output_tokens: 64000, store: false } },
  messages: { path: '/v1/messages', body: { messages: [{ role: 'user', content: 'hi' }], max_tokens: 64000, thinking: { type: 'enabled', budget_tokens: 32000 } } },
}

// The pinned fields as each upstream dialect carries them, and the requests that upstream received.
const UPSTREAMS: Record<'chat' | 'anthropic' | 'responses', { requests: () => Json[]; pinned: (body: Json) => Json }> = {
  chat: { requests: () => chat.requests.map((request) => request.body), pinned: (body: Json) => ({ effort: body.reasoning_effort, max: body.max_completion_tokens ?? body.max_tokens }) },
  anthropic: { requests: () => anthropic.requests.map((request) => request.body), pinned: (body: Json) => ({ thinking: body.thinking, max: body.max_tokens }) },
  responses: { requests: () => responses.requests.map((request) => request.body), pinned: (body: Json) => ({ effort: body.reasoning?.effort, max: body.max_output_tokens }) },
}

describe('an alias\'s pins reach the fallback that serves it', () => {
  test.each([
    ['chat', 'team-fast', 'chat', 'spare'],
    ['responses', 'team-fast', 'chat', 'spare'],
    ['messages', 'team-fast', 'chat', 'spare'],
    ['messages', 'claude-fast', 'anthropic', 'claude-spare'],
    ['chat', 'claude-fast', 'anthropic', 'claude-spare'],
    ['responses', 'resp-fast', 'responses', 'resp-spare'],
  ] as const)('%s client, alias %s (%s upstream)', async (door, alias, upstreamName, spare) => {
    const upstream = UPSTREAMS[upstreamName]
    for (const streamed of [false, true]) {
      const before = upstream.requests().length
      const { path, body } = BODIES[door]
      const response = await fetch(`${shim.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01' }, body: JSON.stringify({ model: alias, stream: streamed, ...body }) })
      await response.text()
      expect(response.status).toBe(200)
      expect(response.headers.get('x-codex-shim-routed-to')).toBe(spare)
      const [primary, fallback] = upstream.requests().slice(before).map(upstream.pinned)
      expect(primary!.max).not.toBe(64000) // the primary was pinned all along (Anthropic adds room for the thinking budget)
      expect(fallback).toEqual(primary!)
    }
  })
})
