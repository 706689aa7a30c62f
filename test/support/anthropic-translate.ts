import { flattenTools } from '../../src/canonical/flatten-tools.ts'
import type { ResponsesRequest } from '../../src/canonical/types.ts'
import { fromCanonical } from '../../src/dialects/messages/request.ts'
import { messagesOptionsFor } from '../../src/providers/anthropic.ts'
import { validateMessagesRequest } from '../fakes/anthropic-upstream.ts'

/**
 * A canonical request translated for an `anthropic` model as the provider does (its default
 * options), and what the fake upstream, which holds the real API's rules, says of it.
 */
export function translateFor(request: ResponsesRequest, model: string) {
  const options = messagesOptionsFor({ model, provider: 'anthropic', base_url: 'https://api.anthropic.com' } as never)
  const translation = fromCanonical(request, flattenTools(request.tools), options)
  const headers: Record<string, string> = { 'x-api-key': 'k', 'anthropic-version': '2023-06-01' }
  if (translation.betas.length) headers['anthropic-beta'] = translation.betas.join(',')
  return { ...translation, refusal: validateMessagesRequest({ ...translation.body } as never, headers) }
}

/** One user turn saying hi, with whatever else the test sets. */
export const ask = (extra: Partial<ResponsesRequest> = {}): ResponsesRequest => ({ model: 'x', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }], ...extra })
