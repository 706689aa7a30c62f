import { expect, test } from 'bun:test'
import { parseSettings } from '../../src/settings/load.ts'
import { settingsIssues } from '../support/settings-issues.ts'

// fetch refuses a header it cannot send ("Invalid header name"), which surfaced on every request as
// "Could not reach <upstream> … Is the base_url right": the file is where the mistake is.

const entry = (extra_headers: Record<string, string>) => ({ model: 'm', provider: 'generic-chat-completion-api', base_url: 'https://h.example/v1', extra_headers })

test.each(['X Api Key', 'x-api-key:', 'x-é'])('an extra_headers name fetch cannot send (%p) is refused where it is written', (name) => {
  const issues = settingsIssues({ models: [entry({ [name]: 'value-1234' })] })
  expect(issues).toHaveLength(1)
  expect(issues[0]).toStartWith('models[0].extra_headers')
  expect(issues[0]).toContain('header name')
})

test.each(['line\nbreak', 'carriage\rreturn', 'nul\u0000byte', 'euro €'])('a value fetch cannot send (%p) is refused, without repeating it', (value) => {
  const issues = settingsIssues({ models: [entry({ 'x-api-key': value })] })
  expect(issues).toEqual([expect.stringMatching(/^models\[0\]\.extra_headers\.x-api-key: /)])
  expect(issues[0]).not.toContain(value)
})

test('ordinary names and values are kept as written', () => {
  const headers = { 'X-Api-Key': 'sk-1234567890', 'HTTP-Referer': 'https://example.com/app', 'x-title': 'my app\twith tab', 'x-latin1': 'café' }
  expect(parseSettings(JSON.stringify({ models: [entry(headers)] }), '/x/models.json').models[0]!.extra_headers).toEqual(headers)
})
