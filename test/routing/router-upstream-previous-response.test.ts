import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { parseSettings } from '../../src/settings/load.ts'
import { startClassifierUpstream } from '../fakes/classifier-upstream.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { post, testDeps } from '../support/shim.ts'

/**
 * The auto router on a candidate that keeps its own state (openai-responses): a tool round trip
 * (`previous_response_id` plus only its results, as the Agents SDK sends it) continues a response
 * the upstream holds and the shim's store does not, so there is no user message to read the task
 * from. It used to be classified on an empty task (with `cache: true`, every such round trip of
 * every task shared that one decision) and moved to another model mid-task. The router now knows
 * the task's model by the id of the answer being continued, which the fast path reads from the
 * answer's terminal event (streamed) or its object (not streamed).
 */
const classifier = startClassifierUpstream()
const cheap = startFakeChatUpstream(() => stream(textReply('done')))
const strong = startFakeResponsesUpstream((body) => (Array.isArray(body.input) && body.input.some((item: { type?: string }) => item.type === 'function_call_output') ? { kind: 'output', items: [{ text: 'done' }] } : { kind: 'output', items: [{ call: { call_id: 'call_1', name: 'shell', arguments: { cmd: 'ls' } } }] }), { apiKey: 'k-router-upstream-0123' })
afterAll(() => {
  classifier.close()
  cheap.close()
  strong.close()
})
const settings = parseSettings(
  JSON.stringify({
    models: [
      { slug: 'cheap-model', model: 'cheap-upstream', provider: 'generic-chat-completion-api', base_url: cheap.url },
      { slug: 'strong-model', model: 'strong-upstream', provider: 'openai-responses', base_url: strong.url, api_key: 'k-router-upstream-0123' },
      { slug: 'clf', model: 'clf', provider: 'generic-chat-completion-api', base_url: classifier.url },
    ],
    router: {
      enabled: true, slug: 'codex-auto', classifier: 'clf', threshold: 0.7, default: 'cheap-model', cache: true,
      candidates: [
        { slug: 'cheap-model', cost: 0.3, supports_images: false, card: 'Fast. Single-file edits, small fixes.' },
        { slug: 'strong-model', cost: 5.0, supports_images: true, card: 'Frontier. Multi-file refactors, hard debugging.' },
      ],
    },
  }),
  '/test/models.json',
)
const handle = createHandler(testDeps(settings))
const tools = [{ type: 'function', name: 'shell', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }]

test('a tool round trip of a response the upstream holds stays on its task\'s model', async () => {
  const first = await handle(post('/v1/responses', { model: 'codex-auto', input: 'refactor the auth module across all files', tools }))
  expect(first.headers.get('x-codex-shim-routed-to')).toBe('strong-model')
  const answer = (await first.json()) as { id: string; output: { type: string; call_id?: string }[] }
  const call = answer.output.find((item) => item.type === 'function_call')!
  const roundTrip = await handle(post('/v1/responses', { model: 'codex-auto', previous_response_id: answer.id, tools, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'README.md src/' }] }))
  await roundTrip.text()
  expect(roundTrip.headers.get('x-codex-shim-routed-to')).toBe('strong-model')
})

test('streamed: the round trip of a streamed answer stays on its task\'s model too, and so does the next', async () => {
  const first = await handle(post('/v1/responses', { model: 'codex-auto', stream: true, input: 'refactor the payment module across all files', tools }))
  expect(first.headers.get('x-codex-shim-routed-to')).toBe('strong-model')
  const events = (await first.text()).split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)))
  const completed = events.find((event) => event.type === 'response.completed')
  const call = completed.response.output.find((item: { type: string }) => item.type === 'function_call')
  const roundTrip = await handle(post('/v1/responses', { model: 'codex-auto', stream: true, previous_response_id: completed.response.id, tools, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'README.md src/' }] }))
  const second = (await roundTrip.text()).split('\n').filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6))).find((event) => event.type === 'response.completed')
  expect(roundTrip.headers.get('x-codex-shim-routed-to')).toBe('strong-model')
  // A round trip continuing the round trip's answer is the same task as well.
  const third = await handle(post('/v1/responses', { model: 'codex-auto', stream: true, previous_response_id: second.response.id, tools, input: [{ type: 'function_call_output', call_id: 'call_x', output: 'ok' }] }))
  await third.text()
  expect(third.headers.get('x-codex-shim-routed-to')).toBe('strong-model')
})
