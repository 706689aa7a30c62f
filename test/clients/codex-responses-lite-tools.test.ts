/**
 * A responses-lite request (every bundled gpt-6.x / gpt-5.6 model, the ChatGPT plan's models in
 * Codex 0.169) carries no `tools` key: its tools travel in an `additional_tools` input item
 * (spec/codex-wire.md §b.5: "A translating proxy must lift additional_tools[].tools into its
 * upstream tool list"). On a translated route (a ChatGPT model's fallback to DeepSeek or Claude)
 * the shim used to accept the item and drop it, so the upstream was asked with no tools at all.
 * The request is capture 03, its long developer texts shortened and ids scrubbed; its tools verbatim.
 */
import { afterAll, expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { chatModel, settingsFrom, sseEvents, startShim } from '../support/shim.ts'

const chat = startFakeChatUpstream(() => stream(textReply('ok')))
const claude = startFakeAnthropicUpstream((body) =>
  body.messages.at(-1).content.some?.((block: any) => block.text === 'Call them')
    ? events(messageEvents([{ tool: { id: 'toolu_1', name: 'functions__exec', input: { input: 'text("hi")' } } }, { tool: { id: 'toolu_2', name: 'collaboration__list_agents', input: {} } }]))
    : events(messageEvents([{ text: 'ok' }])),
)
const shim = startShim(settingsFrom([chatModel(chat.url, { slug: 'deepseek' }), { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: claude.url, api_key: 'k' }]))
afterAll(() => { shim.close(); chat.close(); claude.close() })

const capture = JSON.parse(readFileSync(join(import.meta.dir, '../fixtures/responses/responses-lite-additional-tools.request.json'), 'utf8'))
const lifted = capture.input[0].tools.flatMap((namespace: any) => namespace.tools.map((tool: any) => `${namespace.name}__${tool.name}`))
const send = (body: unknown) => fetch(`${shim.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })

for (const [slug, sent] of [['deepseek', () => chat.requests.at(-1)!.body], ['claude', () => claude.requests.at(-1)!.body]] as const) {
  test(`${slug}: the tools of a responses-lite request reach the upstream, and the item itself does not`, async () => {
    const response = await send({ ...capture, model: slug })
    expect(response.status).toBe(200)
    await response.text()
    const body = sent()
    expect(body.tools.map((tool: any) => tool.function?.name ?? tool.name)).toEqual(lifted)
    expect(JSON.stringify(body.messages ?? [])).not.toContain('additional_tools')
  })
}

test('tools sent in both places all reach the upstream, `tools` first', async () => {
  const own = { type: 'function', name: 'lookup', parameters: { type: 'object', properties: {} } }
  const response = await send({ ...capture, model: 'claude', tools: [own] })
  expect(response.status).toBe(200)
  await response.text()
  expect(claude.requests.at(-1)!.body.tools.map((tool: any) => tool.name)).toEqual(['lookup', ...lifted])
})

test("Claude's calls of lifted tools come back in the shapes Codex offered them: freeform exec, namespaced functions", async () => {
  const input = [...capture.input.slice(0, -1), { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Call them' }] }]
  const response = await send({ ...capture, model: 'claude', input })
  expect(response.status).toBe(200)
  const output = (await sseEvents(response)).find((event) => event.type === 'response.completed').response.output
  expect(output).toMatchObject([
    { type: 'custom_tool_call', call_id: 'toolu_1', name: 'exec', input: 'text("hi")' },
    { type: 'function_call', call_id: 'toolu_2', namespace: 'collaboration', name: 'list_agents', arguments: '{}' },
  ])
})

test('a malformed tool inside additional_tools is a 400 naming it', async () => {
  const broken = { ...capture.input[0], tools: [{ type: 'namespace', name: 'functions', tools: [{ type: 'function', name: '' }] }] }
  const response = await send({ ...capture, model: 'deepseek', input: [broken, ...capture.input.slice(1)] })
  expect(response.status).toBe(400)
  expect(((await response.json()) as { error: unknown }).error).toMatchObject({ param: 'input[0].tools[0].tools[0].name' })
})
