import { afterAll, describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { chatModel, post, settingsFrom, sseEvents, testDeps } from '../support/shim.ts'

/**
 * Codex sends the effort its catalog entry lists, unclamped (spec §a.2), and the ChatGPT plan's
 * models list `ultra`. Such a request reaches a translated route through a fallback or the router;
 * the translators clamp `ultra` like any effort (canonical/effort.ts), so the parser must not
 * refuse it first with a 400, which Codex takes as fatal.
 */
const upstream = startFakeChatUpstream(() => stream(textReply('ok')))
const settings = settingsFrom([chatModel(upstream.url, { reasoning_efforts: ['low', 'medium', 'high'] })])
const handle = createHandler(testDeps(settings))
afterAll(() => upstream.close())

describe('reasoning effort "ultra" on a translated route', () => {
  test('is served, clamped to the strongest effort the model lists', async () => {
    const response = await handle(post('/v1/responses', { model: 'fake', stream: true, reasoning: { effort: 'ultra' }, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] }))
    expect(response.status).toBe(200)
    expect((await sseEvents(response)).at(-1).type).toBe('response.completed')
    expect(upstream.requests.at(-1)!.body.reasoning_effort).toBe('high')
  })
})
