import { describe, expect, test } from 'bun:test'
import type { ResponsesItem } from '../../src/canonical/types.ts'
import { buildClassifierRequest, CONTEXT_LIMIT, parseScores, readTask } from '../../src/routing/classifier.ts'

const candidates = [
  { slug: 'cheap-model', cost: 0.3, supports_images: false, card: 'Fast. Single-file edits, small fixes.' },
  { slug: 'strong-model', cost: 5, supports_images: true, card: 'Frontier. Multi-file refactors, hard debugging.' },
]

const user = (text: string, extra: object[] = []): ResponsesItem => ({ type: 'message', role: 'user', content: [{ type: 'input_text', text }, ...(extra as never[])] })
const assistant = (text: string): ResponsesItem => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] })

describe('parseScores reads answers leniently', () => {
  test.each([
    ['plain', '{"scores": {"cheap-model": 0.8, "strong-model": 0.4}}', { 'cheap-model': 0.8, 'strong-model': 0.4 }],
    ['fenced with prose', 'Sure.\n```json\n{"scores": {"cheap-model": 0.1, "strong-model": 0.95}}\n```\nHope that helps', { 'cheap-model': 0.1, 'strong-model': 0.95 }],
    ['prose around a bare object', 'My scores: {"cheap-model": 0.7, "strong-model": "0.2"} (strings count)', { 'cheap-model': 0.7, 'strong-model': 0.2 }],
    ['braces inside strings', 'note {"why": "a } brace", "scores": {"strong-model": 0.6}}', { 'strong-model': 0.6 }],
    ['a first object without scores is skipped', '{"thinking": "hmm"} then {"scores": {"cheap-model": 0.5}}', { 'cheap-model': 0.5 }],
  ])('%s', (_name, text, expected) => {
    expect(parseScores(text, candidates)).toEqual(expected)
  })

  test('scores are clamped to [0, 1] and unknown slugs ignored', () => {
    expect(parseScores('{"scores": {"cheap-model": 1.7, "strong-model": -3, "ghost": 0.9}}', candidates)).toEqual({ 'cheap-model': 1, 'strong-model': 0 })
  })

  test.each([['prose only', 'I would pick the first one.'], ['unknown slugs only', '{"scores": {"ghost": 0.9}}'], ['non-numbers', '{"scores": {"cheap-model": "high"}}'], ['broken JSON', '{"scores": {"cheap-model": 0.9']])('%s → null', (_name, text) => {
    expect(parseScores(text, candidates)).toBeNull()
  })
})

describe('the classifier request', () => {
  test('carries the task, the cards and the slugs, never the costs', () => {
    const request = buildClassifierRequest({ task: 'fix the typo', context: 'user: earlier', image: false }, [{ ...candidates[0]!, cost: 0.123 }, { ...candidates[1]!, cost: 98.765 }], 'cheap-model')
    const text = JSON.stringify(request)
    expect(request.model).toBe('cheap-model')
    expect(text).toContain('fix the typo')
    expect(text).toContain('cheap-model: Fast. Single-file edits, small fixes.')
    expect(text).toContain('strong-model: Frontier.')
    expect(text).toContain('user: earlier')
    expect(request.instructions).toContain('{"scores": {')
    expect(text).not.toContain('0.123')
    expect(text).not.toContain('98.765')
    expect(text).not.toMatch(/cost|price/i)
  })
})

describe('readTask', () => {
  test('the latest user turn is the task; Codex context messages and image markup are not', () => {
    const input: ResponsesItem[] = [
      { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'base instructions' }] },
      user('<environment_context><cwd>/repo</cwd></environment_context>'),
      user('first task'),
      assistant('done with the first'),
      user('now look at this screenshot', [{ type: 'input_text', text: '<image name=[Image #1] path="/tmp/a.png">' }, { type: 'input_image', image_url: 'data:image/png;base64,AAAA' }, { type: 'input_text', text: '</image>' }]),
      { type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{}' },
      { type: 'function_call_output', call_id: 'c1', output: 'lots of output' },
    ]
    const task = readTask({ model: 'x', input })
    expect(task.task).toBe('now look at this screenshot')
    expect(task.image).toBe(true)
    expect(task.userTurns).toBe(3)
    expect(task.first).toBe('first task')
    expect(task.context).toBe('user: first task\nassistant: done with the first')
  })

  test('earlier context is bounded, keeping the most recent end', () => {
    const input: ResponsesItem[] = [...Array.from({ length: 50 }, (_, i) => user(`message ${i} ${'x'.repeat(100)}`)), user('the task')]
    const task = readTask({ model: 'x', input })
    expect(task.context.length).toBeLessThanOrEqual(CONTEXT_LIMIT)
    expect(task.context).toContain('message 49')
    expect(task.context).not.toContain('message 0 ')
    expect(task.task).toBe('the task')
  })

  test('a string input is one user turn without an image', () => {
    expect(readTask({ model: 'x', input: 'rename foo' })).toMatchObject({ task: 'rename foo', image: false, userTurns: 1, context: '' })
  })
})
