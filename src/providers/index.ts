import type { ChatgptService } from '../chatgpt/service.ts'
import { ShimError } from '../errors.ts'
import type { Route } from '../routing/resolve.ts'
import { createAnthropicProvider } from './anthropic.ts'
import { createChatProvider } from './chat.ts'
import { createChatgptProvider } from './chatgpt.ts'
import type { Provider } from './types.ts'

/** The provider for a route. Adding a provider means one file plus a case here. */
export function providerFor(route: Route, services: { chatgpt: ChatgptService | null }): Provider {
  const provider = route.model.provider
  switch (provider) {
    case 'openai':
    case 'generic-chat-completion-api':
      return createChatProvider(route.model, route.slug)
    case 'anthropic':
      return createAnthropicProvider(route.model, route.slug)
    case 'chatgpt':
      if (!services.chatgpt) throw new ShimError('auth_expired', 'The ChatGPT integration is off (CODEX_SHIM_DISABLE_CHATGPT) or there is no login; run `codex login`.')
      return createChatgptProvider(services.chatgpt, route.model, route.slug)
    case 'openai-responses':
      throw new ShimError('config', `Model "${route.slug}" uses provider "${provider}", which this version of codex-shim cannot serve yet.`, { status: 501, code: 'provider_not_supported' })
    default: {
      const never: never = provider
      throw new ShimError('config', `Unknown provider ${String(never)}`)
    }
  }
}
