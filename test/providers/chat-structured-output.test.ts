import { expect, test } from 'bun:test'
import { chatOptionsFor } from '../../src/providers/chat.ts'
import { parseSettings } from '../../src/settings/load.ts'

const entry = (fields: Record<string, unknown>) =>
  parseSettings(JSON.stringify({ models: [{ model: 'deepseek-chat', provider: 'generic-chat-completion-api', ...fields }] }), '/x/models.json').models[0]!

test.each([
  // DeepSeek refuses json_schema ("This response_format type is unavailable now"): JSON mode on its own host.
  ['https://api.deepseek.com/v1', undefined, 'json_object'],
  ['https://api.deepseek.com', undefined, 'json_object'],
  // The entry's own word wins, either way.
  ['https://api.deepseek.com/v1', 'json_schema', 'json_schema'],
  ['https://openrouter.ai/api/v1', undefined, 'json_schema'],
  ['https://openrouter.ai/api/v1', 'json_object', 'json_object'],
  ['http://127.0.0.1:8000/v1', undefined, 'json_schema'],
])('%s with structured_output %p sends %s', (baseUrl, setting, expected) => {
  expect(chatOptionsFor(entry({ base_url: baseUrl, ...(setting && { structured_output: setting }) })).structuredOutput).toBe(expected as never)
})
