import type { ProviderEntry, ProviderKind } from './types.ts'

/**
 * Every provider kind, by the name settings use. Adding an upstream is one
 * file plus one line here: settings validation, the front door and the model
 * list read this table and nothing else names a provider. A line is data and
 * a loader: the kind's code (its dialect's translation, HTTP or a subprocess)
 * is read with the first request it serves, never by a proxy's start.
 */
export const PROVIDERS = {
  openai: { dialect: 'chat', settings: { baseUrl: 'optional', defaultBaseUrl: 'https://api.openai.com/v1', defaultKeyEnv: 'OPENAI_API_KEY' }, load: () => import('./chat.ts').then((m) => m.chatProvider) },
  'generic-chat-completion-api': { dialect: 'chat', settings: { baseUrl: 'required' }, load: () => import('./chat.ts').then((m) => m.chatProvider) },
  anthropic: { dialect: 'messages', settings: { baseUrl: 'optional', defaultBaseUrl: 'https://api.anthropic.com', defaultKeyEnv: 'ANTHROPIC_API_KEY' }, load: () => import('./anthropic.ts').then((m) => m.anthropicProvider) },
  'openai-responses': { dialect: 'responses', keepsState: true, settings: { baseUrl: 'optional', defaultBaseUrl: 'https://api.openai.com/v1', defaultKeyEnv: 'OPENAI_API_KEY' }, load: () => import('./openai-responses.ts').then((m) => m.openaiResponsesProvider) },
  // Ollama's OpenAI-compatible endpoint on its default port; no key.
  ollama: { dialect: 'chat', settings: { baseUrl: 'optional', defaultBaseUrl: 'http://127.0.0.1:11434/v1' }, load: () => import('./chat.ts').then((m) => m.chatProvider) },
  // The subscription backend; CODEX_SHIM_CHATGPT_BASE_URL overrides it at request time.
  chatgpt: { dialect: 'responses', settings: { baseUrl: 'optional', defaultBaseUrl: 'https://chatgpt.com/backend-api' }, load: () => import('./chatgpt.ts').then((m) => m.chatgptProvider) },
  'cursor-agent': { dialect: 'none', settings: { baseUrl: 'none' }, load: () => import('./cursor-agent.ts').then((m) => m.cursorAgentProvider) },
} as const satisfies Record<string, ProviderKind>

export type ProviderName = keyof typeof PROVIDERS
export const PROVIDER_NAMES = Object.keys(PROVIDERS) as ProviderName[]

const loaded: Partial<Record<ProviderName, ProviderEntry>> = {}
const loading: Partial<Record<ProviderName, Promise<ProviderEntry>>> = {}

/** A kind with its code, loaded once; a failed load is tried again by the next request. */
export function loadProvider(name: ProviderName): ProviderEntry | Promise<ProviderEntry> {
  const ready = loaded[name]
  if (ready) return ready
  return (loading[name] ??= (async () => {
    const { load, ...kind }: ProviderKind = PROVIDERS[name]
    try {
      return (loaded[name] = { ...kind, ...(await load()) })
    } finally {
      delete loading[name]
    }
  })())
}
