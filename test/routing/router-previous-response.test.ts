import { afterAll, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { parseSettings } from '../../src/settings/load.ts'
import { readRouterPrompt, startClassifierUpstream } from '../fakes/classifier-upstream.ts'
import { startFakeChatUpstream, stream, textReply, toolCallReply } from '../fakes/chat-upstream.ts'
import { post, testDeps } from '../support/shim.ts'

/**
 * The auto router with previous_response_id (the Agents SDK, the AI SDK): a tool round trip sends
 * only its results and the id. The router used to read that request as sent, with no user message,
 * so every task's round trips shared one key, and the first round trip's decision (made on an
 * empty task text) went to all the others. It now reads the context the store expands, as the
 * upstream will see it: a round trip is its task's, and asks the classifier nothing.
 */
const classifier = startClassifierUpstream()
const worker = startFakeChatUpstream((body) => (body.messages.at(-1).role === 'user' ? stream(toolCallReply([{ id: `call_${crypto.randomUUID().slice(0, 8)}`, name: 'shell', arguments: { cmd: 'ls' } }])) : stream(textReply('done'))))
afterAll(() => {
  classifier.close()
  worker.close()
})
const chat = (slug: string, model: string, url: string) => ({ slug, model, provider: 'generic-chat-completion-api', base_url: url })
const settings = parseSettings(
  JSON.stringify({
    models: [chat('cheap-model', 'cheap-upstream', worker.url), chat('strong-model', 'strong-upstream', worker.url), chat('clf', 'clf', classifier.url)],
    router: {
      enabled: true, slug: 'codex-auto', classifier: 'clf', threshold: 0.7, default: 'cheap-model', cache: false,
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

test('each task\'s tool round trip stays on its task\'s model, without asking the classifier again', async () => {
  for (const [text, model] of [['refactor the auth module across all files', 'strong-model'], ['fix the typo in README.md', 'cheap-model'], ['debug across the services: the race in the scheduler', 'strong-model']] as const) {
    const first = await handle(post('/v1/responses', { model: 'codex-auto', input: text, tools }))
    expect(first.headers.get('x-codex-shim-routed-to')).toBe(model)
    const answer = (await first.json()) as { id: string; output: { type: string; call_id?: string }[] }
    const call = answer.output.find((item) => item.type === 'function_call')!
    const asked = classifier.requests.length
    const roundTrip = await handle(post('/v1/responses', { model: 'codex-auto', previous_response_id: answer.id, tools, input: [{ type: 'function_call_output', call_id: call.call_id, output: 'README.md src/' }] }))
    await roundTrip.text()
    expect({ text, routedTo: roundTrip.headers.get('x-codex-shim-routed-to') }).toEqual({ text, routedTo: model })
    expect(classifier.requests.length).toBe(asked)
  }
  // No classifier prompt was ever about an empty task.
  expect(classifier.requests.map((request) => readRouterPrompt(request.body).task)).not.toContain('')
})
