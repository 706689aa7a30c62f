/** A body or settings file that is not JSON: told where, never with a word of it (it may be a key or a prompt). */
import { describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { describeJsonError } from '../../src/json-error.ts'
import { parseSettings, SettingsError } from '../../src/settings/load.ts'
import { post, settingsFrom, testDeps } from '../support/shim.ts'

const describe_ = (text: string) => {
  try {
    JSON.parse(text)
  } catch (error) {
    return describeJsonError(text, error)
  }
  throw new Error('expected a parse error')
}

describe('describeJsonError', () => {
  test('the word the parser stopped at becomes its line and column', () => {
    expect(describe_('{\n  "models": [\n    { "api_key": gsk_LEAKLEAK123456 }\n  ]\n}')).toBe('Unexpected identifier at line 3, column 18')
  })

  test('messages that quote nothing stay as they are', () => {
    expect(describe_('{"models": [')).toBe('Unexpected EOF')
    expect(describe_('{"a": 1,}')).toBe('Property name must be a string literal')
  })
})

test('a settings file with an unquoted key: the error says where, not the key', () => {
  const text = '{"models": [{"model": "m", "provider": "openai", "api_key": gsk_LEAKLEAK123456}]}'
  const error = (() => {
    try {
      parseSettings(text, '/x/models.json')
    } catch (caught) {
      return caught as SettingsError
    }
    throw new Error('expected a SettingsError')
  })()
  expect(error.message).toContain('not valid JSON (Unexpected identifier at line 1, column 61)')
  expect(error.message).not.toContain('gsk_LEAK')
})

test('a request body that is not JSON: a 400 that does not echo the prompt back', async () => {
  const handle = createHandler(testDeps(settingsFrom([{ slug: 'm', model: 'm', provider: 'generic-chat-completion-api', base_url: 'http://127.0.0.1:9/v1' }])))
  const response = await handle(post('/v1/chat/completions', '{"model": "m", "messages": [{"role": "user", "content": my_database_password_hunter2}]}'))
  expect(response.status).toBe(400)
  const text = await response.text()
  expect(text).toContain('not valid JSON (Unexpected identifier at line 1, column 57)')
  expect(text).not.toContain('hunter2')
})
