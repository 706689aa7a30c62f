import { ShimError } from '../errors.ts'
import type { Route } from '../routing/resolve.ts'
import { createAnthropicProvider } from './anthropic.ts'
import { createChatProvider } from './chat.ts'
import type { Provider } from './types.ts'

/** The provider for a route. Adding a provider means one file plus a case here. */
export function providerFor(route: Route): Provider {
  const provider = route.model.provider
  switch (provider) {
    case 'openai':
    case 'generic-chat-completion-api':
      return createChatProvider(route.model, route.slug)
    case 'anthropic':
      return createAnthropicProvider(route.model, route.slug)
    case 'openai-responses':
      throw new ShimError('config', `Model "${route.slug}" uses provider "${provider}", which this version of codex-shim cannot serve yet.`, { status: 501, code: 'provider_not_supported' })
    default: {
      const never: never = provider
      throw new ShimError('config', `Unknown provider ${String(never)}`)
    }
  }
}
