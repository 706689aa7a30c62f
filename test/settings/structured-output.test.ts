import { expect, test } from 'bun:test'
import { parseSettings, SettingsError } from '../../src/settings/load.ts'

const parse = (models: unknown[]) => parseSettings(JSON.stringify({ models }), '/x/models.json')
function issuesOf(models: unknown[]): string[] {
  try {
    parse(models)
  } catch (error) {
    if (error instanceof SettingsError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`)
    throw error
  }
  throw new Error('expected a SettingsError')
}

test.each(['json_schema', 'json_object'])('structured_output %s is kept on a chat entry', (value) => {
  const [model] = parse([{ model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://h.example/v1', structured_output: value }]).models
  expect(model!.structured_output).toBe(value as never)
})

test('camelCase structuredOutput is read as structured_output', () => {
  const [model] = parse([{ model: 'm', provider: 'ollama', structuredOutput: 'json_object' }]).models
  expect(model!.structured_output).toBe('json_object')
})

test('unset stays unset (the provider decides by host)', () => {
  expect(parse([{ model: 'm', provider: 'openai' }]).models[0]).not.toHaveProperty('structured_output')
})

test('another value is an error naming the field and the choices', () => {
  const [issue] = issuesOf([{ model: 'm', provider: 'openai', structured_output: 'tool' }])
  expect(issue).toStartWith('models[0].structured_output: expected "json_schema"')
  expect(issue).toContain('"json_object"')
})

test.each(['anthropic', 'openai-responses', 'chatgpt'])('on a %s entry it is an error, not ignored', (provider) => {
  const issues = issuesOf([{ model: 'm', provider, structured_output: 'json_object' }])
  expect(issues).toEqual([expect.stringMatching(/^models\[0\]\.structured_output: only chat providers/)])
})
