import { expect, test } from 'bun:test'
import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../../src/canonical/types.ts'
import { fromCanonical } from '../../src/dialects/chat/request.ts'
import { chatOptionsFor } from '../../src/providers/chat.ts'
import { parseSettings } from '../../src/settings/load.ts'

const entry = (baseUrl: string) =>
  parseSettings(JSON.stringify({ models: [{ model: 'gpt-oss-120b', provider: 'generic-chat-completion-api', base_url: baseUrl }] }), '/x/models.json').models[0]!

// A tool loop's second request: the model reasoned, then called a tool.
const request = {
  model: 'm',
  input: [
    { type: 'message', role: 'user', content: 'list the files' },
    { type: 'reasoning', summary: [{ type: 'summary_text', text: 'I should run ls.' }] },
    { type: 'function_call', call_id: 'c1', name: 'shell', arguments: '{"command":["ls"]}' },
    { type: 'function_call_output', call_id: 'c1', output: 'a.txt' },
  ],
} as unknown as ResponsesRequest

const assistant = (baseUrl: string) => fromCanonical(request, flattenTools(undefined), chatOptionsFor(entry(baseUrl))).messages.find((message) => message.role === 'assistant') as Record<string, unknown>

test.each([
  // Groq and Cerebras answer an assistant message's reasoning_content with 400 "property
  // 'messages.N.assistant.reasoning_content' is unsupported" (janhq/jan#8136, Kilo-Org/kilocode#10375):
  // every turn after the first failed there.
  ['https://api.groq.com/openai/v1'],
  ['https://api.cerebras.ai/v1'],
])('%s gets no reasoning_content back', (baseUrl) => {
  expect(assistant(baseUrl)).not.toHaveProperty('reasoning_content')
})

test('DeepSeek still gets it: it refuses a thinking tool loop without it', () => {
  expect(assistant('https://api.deepseek.com/v1').reasoning_content).toBe('I should run ls.')
})
