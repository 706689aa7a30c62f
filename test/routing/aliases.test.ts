import { afterAll, describe, expect, test } from 'bun:test'
import { buildCatalog } from '../../src/codex/catalog.ts'
import { createHandler } from '../../src/server/app.ts'
import { parseSettings, SettingsError } from '../../src/settings/load.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { get, post, sseEvents, testDeps } from '../support/shim.ts'

const upstream = startFakeChatUpstream(() => stream(textReply('ok')))
afterAll(() => upstream.close())
const file = {
  models: [{ slug: 'ds', model: 'deepseek-reasoner', provider: 'generic-chat-completion-api', base_url: upstream.url, reasoning_efforts: ['low', 'medium', 'high'] }],
  aliases: { 'team-fast': { slug: 'ds', reasoning_effort: 'low', max_output_tokens: 500, display_name: 'Fast lane' } },
}
const settings = parseSettings(JSON.stringify(file), '/x/models.json')
const handle = createHandler(testDeps(settings))

describe('aliases', () => {
  test('an alias pins its options on translated requests (they win over the client)', async () => {
    const events = await sseEvents(await handle(post('/v1/responses', { model: 'team-fast', stream: true, input: 'hi', reasoning: { effort: 'high' }, max_output_tokens: 9000 })))
    expect(events.at(-1).response.model).toBe('team-fast')
    const sent = upstream.requests.at(-1)!.body
    expect(sent.model).toBe('deepseek-reasoner')
    expect(sent.reasoning_effort).toBe('low')
    expect(sent.max_tokens).toBe(500)
  })

  test('and on the chat fast path', async () => {
    const response = await handle(post('/v1/chat/completions', { model: 'team-fast', messages: [{ role: 'user', content: 'hi' }], reasoning_effort: 'high' }))
    expect(response.status).toBe(200)
    expect(upstream.requests.at(-1)!.body).toMatchObject({ model: 'deepseek-reasoner', reasoning_effort: 'low', max_tokens: 500 })
  })

  test('aliases are listed like models: /v1/models and the Codex catalog', async () => {
    const list = (await (await handle(get('/v1/models'))).json()) as any
    expect(list.data.map((m: any) => m.id)).toEqual(['ds', 'team-fast'])
    const catalog = buildCatalog(settings, 'prompt')
    expect(catalog.models.at(-1)).toMatchObject({ slug: 'team-fast', display_name: 'Fast lane', default_reasoning_level: 'low' })
  })

  test.each([
    [{ ...file, aliases: { 'Bad Name': { slug: 'ds' } } }, 'aliases.Bad Name: expected an alias name'],
    [{ ...file, aliases: { ds: { slug: 'ds' } } }, 'aliases.ds: "ds" is already a model slug'],
    [{ ...file, aliases: { x: { slug: 'nope' } } }, 'aliases.x.slug: "nope" is not a configured model slug (known: ds)'],
    [{ ...file, aliases: { x: { slug: 'ds', reasoning_effort: 'turbo' } } }, 'aliases.x.reasoning_effort: expected one of none'],
    [{ ...file, aliases: { x: {} } }, 'aliases.x.slug'],
  ])('invalid alias %#', (value, message) => {
    try {
      parseSettings(JSON.stringify(value), '/x/models.json')
      throw new Error('expected an error')
    } catch (error) {
      expect(error).toBeInstanceOf(SettingsError)
      expect((error as SettingsError).message).toContain(message)
    }
  })
})
