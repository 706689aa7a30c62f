import { describe, expect, test } from 'bun:test'
import { loadProvider, PROVIDER_NAMES, PROVIDERS } from '../../src/providers/index.ts'

describe('the provider registry: data, and each kind’s code loaded on first use', () => {
  test('callers arriving before the code has loaded share one load', async () => {
    const first = loadProvider('cursor-agent')
    const second = loadProvider('cursor-agent')
    expect(first).toBeInstanceOf(Promise)
    expect(second).toBe(first)
    expect(await first).toBe(loadProvider('cursor-agent') as never)
  })

  test('every kind loads its code once, and keeps the dialect and defaults its line declares', async () => {
    for (const name of PROVIDER_NAMES) {
      const first = await loadProvider(name)
      expect(loadProvider(name)).toBe(first) // the loaded entry itself, not a promise, from then on
      expect(first.dialect).toBe(PROVIDERS[name].dialect)
      expect(first.settings).toBe(PROVIDERS[name].settings)
      expect(typeof first.open).toBe('function')
      expect(typeof first.label).toBe('function')
      expect('load' in first).toBe(false)
    }
  })

  test('the kinds that speak a client dialect have its fast path; a subprocess has none', async () => {
    const forwards = Object.fromEntries(await Promise.all(PROVIDER_NAMES.map(async (name) => [name, typeof (await loadProvider(name)).forward === 'function'] as const)))
    expect(forwards).toEqual({ openai: true, 'generic-chat-completion-api': true, anthropic: true, 'openai-responses': true, ollama: true, chatgpt: true, 'cursor-agent': false })
  })

})
