import { expect, test } from 'bun:test'
import { parseSettings } from '../../src/settings/load.ts'
import { settingsIssues } from '../support/settings-issues.ts'

const parse = (models: unknown[]) => parseSettings(JSON.stringify({ models }), '/x/models.json')
const issuesOf = (models: unknown[]) => settingsIssues({ models })

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
