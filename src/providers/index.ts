import { anthropicProvider } from './anthropic.ts'
import { chatProvider } from './chat.ts'
import { chatgptProvider } from './chatgpt.ts'
import { cursorAgentProvider } from './cursor-agent.ts'
import { openaiResponsesProvider } from './openai-responses.ts'
import type { ProviderEntry } from './types.ts'

/**
 * Every provider kind, by the name settings use. Adding an upstream is one
 * file plus one line here: settings validation, the front door and the model
 * list read this table and nothing else names a provider.
 */
export const PROVIDERS = {
  openai: chatProvider({ baseUrl: 'optional', defaultBaseUrl: 'https://api.openai.com/v1', defaultKeyEnv: 'OPENAI_API_KEY' }),
  'generic-chat-completion-api': chatProvider({ baseUrl: 'required' }),
  anthropic: anthropicProvider,
  'openai-responses': openaiResponsesProvider,
  // Ollama's OpenAI-compatible endpoint on its default port; no key.
  ollama: chatProvider({ baseUrl: 'optional', defaultBaseUrl: 'http://127.0.0.1:11434/v1' }),
  chatgpt: chatgptProvider,
  'cursor-agent': cursorAgentProvider,
} as const satisfies Record<string, ProviderEntry>

export type ProviderName = keyof typeof PROVIDERS
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[]
