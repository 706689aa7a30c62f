import { expect, test } from 'bun:test'
import { uiModelsFromListed, type ListedLike } from '../../src/ui/models.ts'

const listed: ListedLike[] = [
  { id: 'private', display_name: 'Private', provider: 'openai', model: { base_url: 'https://user:pass-secret@llm.example.com:8443/v1?api-key=query-secret', no_image_support: false } },
  { id: 'private-fast', display_name: 'Private (fast)', provider: 'openai', model: { base_url: 'https://llm.example.com/v1', no_image_support: true, max_context_limit: 32000 }, alias_of: 'private' },
  { id: 'gpt-5.5', display_name: 'GPT-5.5', provider: 'chatgpt', model: { base_url: 'https://chatgpt.com/backend-api', no_image_support: false }, source: 'chatgpt' },
]

test('the page sees the upstream host only, never userinfo, path or query', () => {
  const [model] = uiModelsFromListed(listed)
  expect(model).toEqual({ slug: 'private', display_name: 'Private', provider: 'openai', upstream_host: 'llm.example.com:8443', context_window: 128000, images: true })
  expect(JSON.stringify(uiModelsFromListed(listed))).not.toMatch(/secret|pass/)
})

test('aliases say what they point at; subscription models take context and modalities from the backend catalog', () => {
  const models = uiModelsFromListed(listed, [{ slug: 'gpt-5.5', context_window: 272000, input_modalities: ['text'] }])
  expect(models[1]).toMatchObject({ slug: 'private-fast', alias_of: 'private', context_window: 32000, images: false })
  expect(models[2]).toEqual({ slug: 'gpt-5.5', display_name: 'GPT-5.5', provider: 'chatgpt', upstream_host: 'chatgpt.com', context_window: 272000, images: false })
  expect(uiModelsFromListed(listed)[2]!.context_window).toBeNull()
})
