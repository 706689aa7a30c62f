import { expect, test } from 'bun:test'
import { parseSettings } from '../../src/settings/load.ts'
import { settingsIssues } from '../support/settings-issues.ts'

// Fields that one kind of upstream reads (README: "`workspace` cursor-agent only", "Anthropic only",
// "`chatgpt` entries"): on another entry the value was dropped without a word, as structured_output's was.

const parse = (models: unknown[]) => parseSettings(JSON.stringify({ models }), '/x/models.json')
const issuesOf = (models: unknown[]) => settingsIssues({ models })

test.each([
  ['workspace', '/work/project', 'openai'],
  ['thinking_budget_tokens', 8000, 'openai'],
  ['thinkingBudgetTokens', 8000, 'openai-responses'],
  ['prompt_caching', false, 'generic-chat-completion-api'],
  ['service_tier', 'priority', 'openai-responses'],
  ['serviceTier', 'priority', 'anthropic'],
])('%s = %p on a %s entry is an error naming the field and who reads it, not ignored', (key, value, provider) => {
  const issues = issuesOf([{ model: 'm', provider, base_url: 'https://h.example/v1', [key]: value }])
  expect(issues).toEqual([expect.stringMatching(new RegExp(`^models\\[0\\]\\.${key}: only `))])
  expect(issues[0]).toContain(`provider "${provider}"`)
})

test('each is kept on the entries that read it', () => {
  const [cursor, anthropic, chatgpt] = parse([
    { slug: 'c', model: 'composer', provider: 'cursor-agent', workspace: '/work/project' },
    { slug: 'a', model: 'claude', provider: 'anthropic', thinking_budget_tokens: 8000, promptCaching: false },
    { slug: 'g', model: 'gpt-5.5', provider: 'chatgpt', service_tier: 'priority' },
  ]).models
  expect(cursor!.workspace).toBe('/work/project')
  expect([anthropic!.thinking_budget_tokens, anthropic!.prompt_caching]).toEqual([8000, false])
  expect(chatgpt!.service_tier).toBe('priority')
})
