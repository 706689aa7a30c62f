import { afterAll, describe, expect, test } from 'bun:test'
import { aggregateEvents } from '../../src/canonical/aggregate.ts'
import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesItem, ResponsesRequest } from '../../src/canonical/types.ts'
import { fromCanonical } from '../../src/dialects/messages/request.ts'
import { encodeThinking } from '../../src/dialects/messages/thinking-signature.ts'
import { loadProvider } from '../../src/providers/index.ts'
import { resolveRoute } from '../../src/routing/resolve.ts'
import { parseSettings } from '../../src/settings/load.ts'
import { validateMessagesRequest } from '../fakes/anthropic-upstream.ts'
import { chunk, startFakeChatUpstream, stream, toolCallReply } from '../fakes/chat-upstream.ts'
import { memoryLog } from '../support/shim.ts'

// A DeepSeek-style chat model that thinks, then calls a tool: the first half of a tool loop.
const upstream = startFakeChatUpstream(() => stream([chunk({ role: 'assistant', reasoning_content: 'I should list the files first.' }), ...toolCallReply([{ id: 'call_1', name: 'exec_command', arguments: { cmd: 'ls' } }]).slice(1)]))
afterAll(() => upstream.close())

const settings = parseSettings(JSON.stringify({ models: [{ slug: 'thinker', model: 'deepseek-reasoner', provider: 'generic-chat-completion-api', base_url: upstream.url }] }), '/test/models.json')
const TOOLS: ResponsesRequest['tools'] = [{ type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }]
const OPTIONS = { model: 'claude-sonnet-4-5', maxTokens: 64000, reasoningEfforts: ['low', 'medium', 'high'], promptCaching: true, imageSupport: true }

describe('after a fallback from a chat provider to Anthropic', () => {
  test('the chat model\'s reasoning is not replayed as signed thinking; the request stays valid', async () => {
    const route = resolveRoute(settings, 'thinker')
    const request: ResponsesRequest = { model: 'thinker', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'list the files' }] }], tools: TOOLS, stream: true }
    const opened = await (await loadProvider(route.model.provider_label)).open(request, route, {
      signal: new AbortController().signal, fetch: globalThis.fetch, log: memoryLog().logger, idleTimeoutMs: 30_000, clientHeaders: new Headers(),
      retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, onRetry: () => {}, keepAlive: () => {}, services: { chatgpt: null },
    })
    const output = (await aggregateEvents(opened.events())).response.output as ResponsesItem[]
    expect(output.map((item) => item.type)).toEqual(['reasoning', 'function_call'])

    // The loop continues on Anthropic (the chat model went down): its reasoning item comes along in the input.
    const next: ResponsesRequest = { ...request, model: 'claude', input: [...(request.input as ResponsesItem[]), ...output, { type: 'function_call_output', call_id: 'call_1', output: 'a.ts b.ts' }], reasoning: { effort: 'high' } }
    const { body, droppedReasoning } = fromCanonical(next, flattenTools(next.tools), OPTIONS)
    expect(droppedReasoning).toBe(1)
    const blocks: { type: string }[] = body.messages.flatMap((message): { type: string }[] => (Array.isArray(message.content) ? [...message.content] : []))
    expect(blocks.some((block) => block.type === 'thinking' || block.type === 'redacted_thinking')).toBe(false)
    expect(JSON.stringify(body)).not.toContain('I should list the files first.')
    expect(validateMessagesRequest(body as never, { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' })).toBeNull()
  })

  test('while Anthropic\'s own signed thinking in the same spot is replayed', () => {
    const signed: ResponsesItem = { type: 'reasoning', summary: [], encrypted_content: encodeThinking({ type: 'thinking', thinking: 'plan', signature: 'sig-abc' }) }
    const next: ResponsesRequest = {
      model: 'claude', tools: TOOLS, reasoning: { effort: 'high' },
      input: [{ type: 'message', role: 'user', content: 'list the files' }, signed, { type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"ls"}' }, { type: 'function_call_output', call_id: 'call_1', output: 'a.ts' }],
    }
    const { body, droppedReasoning } = fromCanonical(next, flattenTools(next.tools), OPTIONS)
    expect(droppedReasoning).toBe(0)
    expect(JSON.stringify(body.messages)).toContain('"signature":"sig-abc"')
  })
})
