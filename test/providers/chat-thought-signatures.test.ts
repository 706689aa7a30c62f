/**
 * Which chat upstreams get Gemini's thought signatures (and the stand-in for calls Gemini did not
 * sign): Gemini behind Google's OpenAI-compatible endpoints, or a `gemini-…` model behind a host
 * that does not say. OpenRouter's and LiteLLM's `google/…` names carry signatures their own way.
 */
import { expect, test } from 'bun:test'
import { chatOptionsFor } from '../../src/providers/chat.ts'
import { parseSettings } from '../../src/settings/load.ts'

const entry = (baseUrl: string, model: string) =>
  parseSettings(JSON.stringify({ models: [{ slug: 'x', model, provider: 'generic-chat-completion-api', base_url: baseUrl }] }), '/x/models.json').models[0]!

test.each([
  ['https://generativelanguage.googleapis.com/v1beta/openai', 'gemini-3-pro-preview', true],
  ['https://generativelanguage.googleapis.com/v1beta/openai', 'gemini-2.5-flash', true],
  ['https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/endpoints/openapi', 'google/gemini-3-pro-preview', true],
  ['https://aiplatform.googleapis.com/v1/projects/p/locations/global/endpoints/openapi', 'google/gemini-3-flash-preview', true],
  ['http://127.0.0.1:4000/v1', 'gemini-3-pro-preview', true],
  ['https://openrouter.ai/api/v1', 'google/gemini-3-pro-preview', false],
  ['https://api.deepseek.com/v1', 'deepseek-chat', false],
  ['http://127.0.0.1:11434/v1', 'qwen3-coder', false],
])('%s, %s: checks thought signatures %p', (baseUrl, model, expected) => {
  expect(chatOptionsFor(entry(baseUrl, model)).checksThoughtSignatures).toBe(expected)
})
