/**
 * On a translated route, what a Chat request carries reaches the model or is refused by name:
 * an assistant turn written as refusal parts, an allowed_tools choice, a message's `name`.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { events, messageEvents, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

const resp = startFakeResponsesUpstream(() => ({ kind: 'output', items: [{ text: 'ok' }] }))
const anth = startFakeAnthropicUpstream(() => events(messageEvents([{ text: 'ok' }])))
const shim = startShim(settingsFrom([
  { slug: 'resp', model: 'gpt-5', provider: 'openai-responses', base_url: resp.url, api_key: 'k' },
  { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', base_url: anth.url, api_key: 'k' },
]))
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); resp.close(); anth.close() })

/** The request's 400, and nothing sent upstream. */
async function refused(body: Record<string, unknown>): Promise<InstanceType<typeof OpenAI.BadRequestError>> {
  const sent = resp.requests.length + anth.requests.length
  const error = await openai.chat.completions.create(body as never).catch((error) => error)
  expect(error).toBeInstanceOf(OpenAI.BadRequestError)
  expect(resp.requests.length + anth.requests.length).toBe(sent)
  return error
}

describe('an assistant turn written as refusal parts (ChatCompletionContentPartRefusal)', () => {
  const messages: OpenAI.ChatCompletionMessageParam[] = [
    { role: 'user', content: 'How do I pick a lock?' },
    { role: 'assistant', content: [{ type: 'refusal', refusal: 'I can\'t help with that.' }] },
    { role: 'user', content: 'Why not?' },
  ]
  test('reaches a Responses upstream as the assistant\'s refusal', async () => {
    await openai.chat.completions.create({ model: 'resp', messages })
    expect(resp.requests.at(-1)!.body.input[1]).toEqual({ type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'I can\'t help with that.' }] })
  })
  test('reaches Anthropic as the assistant\'s text, the turns still alternating', async () => {
    await openai.chat.completions.create({ model: 'claude', messages })
    expect(anth.requests.at(-1)!.body.messages.map((message: { role: string }) => message.role)).toEqual(['user', 'assistant', 'user'])
    expect(JSON.stringify(anth.requests.at(-1)!.body.messages[1])).toContain('I can\'t help with that.')
  })
  test('a refusal part in a user message is a 400 naming it (OpenAI takes them from the assistant only)', async () => {
    const error = await refused({ model: 'resp', messages: [{ role: 'user', content: [{ type: 'refusal', refusal: 'no' }] }] })
    expect(error.message).toContain('messages[0].content[0].type: a refusal part belongs in an assistant message')
  })
})

describe('tool_choice: allowed_tools', () => {
  const tools: OpenAI.ChatCompletionTool[] = [
    { type: 'function', function: { name: 'a', parameters: { type: 'object' } } },
    { type: 'function', function: { name: 'b', parameters: { type: 'object' } } },
    { type: 'custom', custom: { name: 'c' } },
  ]
  const choice: OpenAI.ChatCompletionAllowedToolChoice = { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [{ type: 'function', function: { name: 'a' } }, { type: 'custom', custom: { name: 'c' } }] } }
  test('reaches a Responses upstream in the Responses API\'s shape', async () => {
    await openai.chat.completions.create({ model: 'resp', tools, tool_choice: choice, messages: [{ role: 'user', content: 'x' }] })
    expect(resp.requests.at(-1)!.body.tool_choice).toEqual({ type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'a' }, { type: 'custom', name: 'c' }] })
  })
  test('is refused by name where the upstream has nothing like it (Anthropic)', async () => {
    const error = await refused({ model: 'claude', tools, tool_choice: choice, messages: [{ role: 'user', content: 'x' }] })
    expect(error.message).toContain('tool_choice: allowed_tools cannot be translated')
  })
  test('a malformed one is a 400 naming the field', async () => {
    const mode = await refused({ model: 'resp', tools, tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'any', tools: [] } }, messages: [{ role: 'user', content: 'x' }] })
    expect(mode.message).toContain('tool_choice.allowed_tools.mode: expected "auto" or "required"')
    const tool = await refused({ model: 'resp', tools, tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'auto', tools: [{ type: 'function', name: 'a' }] } }, messages: [{ role: 'user', content: 'x' }] })
    expect(tool.message).toContain('tool_choice.allowed_tools.tools[0]: expected {"type": "function", "function": {"name"}}')
  })
})

describe('`name` on a message (several speakers): carried as a prefix on its text', () => {
  test('Anthropic: each user\'s words keep their speaker', async () => {
    await openai.chat.completions.create({ model: 'claude', messages: [{ role: 'user', name: 'alice', content: 'I vote yes.' }, { role: 'user', name: 'bob', content: 'I vote no. Who voted yes?' }] })
    const sent = JSON.stringify(anth.requests.at(-1)!.body.messages)
    expect(sent).toContain('alice: I vote yes.')
    expect(sent).toContain('bob: I vote no. Who voted yes?')
  })
  test('Responses: on system, user, assistant text and refusal; a text part before an image-only message', async () => {
    const image = { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }
    await openai.chat.completions.create({
      model: 'resp',
      messages: [
        { role: 'system', name: 'moderator', content: 'Be brief.' },
        { role: 'user', name: 'alice', content: [image] },
        { role: 'assistant', name: 'helper', content: 'A cat.' },
        { role: 'assistant', name: 'critic', content: [{ type: 'refusal', refusal: 'No comment.' }] },
        { role: 'user', content: 'And you?' },
      ],
    })
    const body = resp.requests.at(-1)!.body
    expect(body.instructions).toBe('moderator: Be brief.')
    expect(body.input).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'alice:' }, { type: 'input_image', image_url: image.image_url.url }] },
      { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'helper: A cat.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'refusal', refusal: 'critic: No comment.' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'And you?' }] },
    ])
  })
})
