/**
 * The auto router on the request path, as the openai SDK sees it: a request
 * for the router's slug is scored by the classifier fake and served by the
 * chosen candidate; the answer keeps the router's name, and the
 * `x-codex-shim-routed-to` header (and the log line) say who served it. Any
 * classifier trouble ends on the default model, never in a failed request.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { startClassifierUpstream } from '../fakes/classifier-upstream.ts'
import { startFakeChatUpstream, stream, textReply, toolCallReply, type Json } from '../fakes/chat-upstream.ts'
import { memoryLog, startShim } from '../support/shim.ts'
import { parseSettings } from '../../src/settings/load.ts'

const HEADER = 'x-codex-shim-routed-to'

// Both candidates on one fake: it says which upstream model answered, and runs a tool loop on cue.
const models = startFakeChatUpstream((body) => {
  const tools = body.messages.filter((message: Json) => message.role === 'tool').length
  const text = JSON.stringify(body.messages)
  if (text.includes('LOOP') && tools < 3) return stream(toolCallReply([{ id: `call_${tools}`, name: 'exec_command', arguments: { cmd: `step ${tools}` } }]))
  return stream(textReply(`served by ${body.model}`))
})
const classifier = startClassifierUpstream()
const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
const refusedUrl = `http://127.0.0.1:${closed.port}/v1`
closed.stop(true)

function settingsWith(classifierUrl: string) {
  return parseSettings(
    JSON.stringify({
      models: [
        { slug: 'cheap-model', model: 'cheap-upstream', provider: 'generic-chat-completion-api', base_url: models.url, no_image_support: true },
        { slug: 'strong-model', model: 'strong-upstream', provider: 'generic-chat-completion-api', base_url: models.url },
        { slug: 'classifier', model: 'classifier-upstream', provider: 'generic-chat-completion-api', base_url: classifierUrl },
      ],
      router: {
        enabled: true, slug: 'codex-auto', display_name: 'Auto (smart routing)', classifier: 'classifier', threshold: 0.7, default: 'cheap-model', cache: true,
        candidates: [
          { slug: 'cheap-model', cost: 0.3, supports_images: false, card: 'Fast. Single-file edits, small fixes.' },
          { slug: 'strong-model', cost: 5.0, supports_images: true, card: 'Frontier. Multi-file refactors, hard debugging.' },
        ],
      },
    }),
    '/test/models.json',
  )
}

const log = memoryLog()
const shim = startShim(settingsWith(classifier.url), { log: log.logger, classifierTimeoutMs: 300 })
const refusedLog = memoryLog()
const down = startShim(settingsWith(refusedUrl), { log: refusedLog.logger, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 } })
afterAll(() => {
  shim.close()
  down.close()
  models.close()
  classifier.close()
})

const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
const classifierCalls = () => classifier.requests.length

/** A streamed chat completion through the router: its text, the model name it carried, and the header. */
async function chat(content: OpenAI.Chat.ChatCompletionUserMessageParam['content'], client = openai, headers: Record<string, string> = {}) {
  const { data, response } = await client.chat.completions.create({ model: 'codex-auto', stream: true, messages: [{ role: 'user', content }] }, { headers }).withResponse()
  let text = ''
  const names = new Set<string>()
  for await (const chunk of data) {
    names.add(chunk.model)
    text += chunk.choices[0]?.delta.content ?? ''
  }
  return { text, names: [...names], routedTo: response.headers.get(HEADER) }
}

describe('the auto router through the openai SDK', () => {
  test('a trivial task goes to the cheap model; the client sees the router\'s name; header and log line name the choice', async () => {
    const before = classifierCalls()
    const answer = await chat('fix the typo in README.md')
    expect(answer).toEqual({ text: 'served by cheap-upstream', names: ['codex-auto'], routedTo: 'cheap-model' })
    expect(classifierCalls()).toBe(before + 1)
    // The classifier got the cards and the task, never the prices.
    const prompt = JSON.stringify(classifier.requests.at(-1)!.body)
    expect(prompt).toContain('Single-file edits')
    expect(prompt).toContain('fix the typo in README.md')
    expect(prompt).not.toContain('0.3')
    const lines = log.lines.join('\n')
    expect(lines).toContain('router codex-auto → cheap-model')
    expect(lines).toMatch(/POST \/v1\/chat\/completions model=codex-auto upstream=generic-chat-completion-api@127\.0\.0\.1:\d+ \(fast path\) status=200 .* served=cheap-model/)
    expect(lines).not.toContain('fix the typo') // decisions are logged without the prompt
  })

  test('a hard task goes to the strong model, on the Responses API too (translated), non-streamed', async () => {
    const { data, response } = await openai.responses.create({ model: 'codex-auto', input: 'refactor the storage layer across modules' }).withResponse()
    expect(data.output_text).toBe('served by strong-upstream')
    expect(data.model).toBe('codex-auto')
    expect(response.headers.get(HEADER)).toBe('strong-model')
  })

  test('a turn with an image goes to the image-capable model', async () => {
    const answer = await chat([
      { type: 'text', text: 'fix the typo shown in this screenshot' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
    ])
    expect(answer.routedTo).toBe('strong-model')
    expect(answer.text).toBe('served by strong-upstream')
    expect(JSON.stringify(classifier.requests.at(-1)!.body)).toContain('Task (includes an image):')
  })

  test('a three-step tool loop is one task: one classifier call, every step on the same model', async () => {
    const before = classifierCalls()
    const messages: OpenAI.Chat.ChatCompletionMessageParam[] = [{ role: 'user', content: 'LOOP: rename the helper in three steps' }]
    const servedBy: (string | null)[] = []
    for (let step = 0; step < 4; step++) {
      const { data, response } = await openai.chat.completions.create({ model: 'codex-auto', messages, tools: [{ type: 'function', function: { name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } } }] }).withResponse()
      servedBy.push(response.headers.get(HEADER))
      const message = data.choices[0]!.message
      if (!message.tool_calls?.length) {
        expect(message.content).toBe('served by cheap-upstream')
        break
      }
      messages.push(message, ...message.tool_calls.map((call) => ({ role: 'tool' as const, tool_call_id: call.id, content: 'ok' })))
    }
    expect(servedBy).toEqual(['cheap-model', 'cheap-model', 'cheap-model', 'cheap-model'])
    expect(classifierCalls()).toBe(before + 1)
  })

  test('a repeated task in another thread is a cache hit: no classifier call, same choice', async () => {
    const first = await chat('refactor the parser into modules', openai, { 'thread-id': 'thread-a' })
    const before = classifierCalls()
    const again = await chat('refactor the parser into modules', openai, { 'thread-id': 'thread-b' })
    expect(again.routedTo).toBe(first.routedTo!)
    expect(again.routedTo).toBe('strong-model')
    expect(classifierCalls()).toBe(before)
    expect(log.lines.join('\n')).toContain('router codex-auto → strong-model (cheap-model 0.20, strong-model 0.90; cached: same-text)')
  })

  test.each([
    ['answers HTTP 500', 'explode the build please'],
    ['answers garbage', 'garbage in, garbage out'],
    ['is slower than its time limit', 'hang around and refactor'],
  ])('a classifier that %s: the default model serves, the request succeeds', async (_name, task) => {
    const answer = await chat(task)
    expect(answer).toEqual({ text: 'served by cheap-upstream', names: ['codex-auto'], routedTo: 'cheap-model' })
    expect(log.lines.join('\n')).toContain('using the default cheap-model')
  })

  test('a classifier that is down (connection refused): the default model serves', async () => {
    const client = new OpenAI({ baseURL: `${down.url}/v1`, apiKey: 'unused', maxRetries: 0 })
    const answer = await chat('refactor everything', client)
    expect(answer).toEqual({ text: 'served by cheap-upstream', names: ['codex-auto'], routedTo: 'cheap-model' })
    expect(refusedLog.lines.join('\n')).toContain('gave no usable choice (upstream_unreachable')
  })

  test('a model asked for by name is not routed, and its answer names it in the header too', async () => {
    const before = classifierCalls()
    const { data, response } = await openai.chat.completions.create({ model: 'strong-model', messages: [{ role: 'user', content: 'fix the typo' }] }).withResponse()
    expect(data.choices[0]!.message.content).toBe('served by strong-upstream')
    expect(response.headers.get(HEADER)).toBe('strong-model')
    expect(classifierCalls()).toBe(before)
  })
})
