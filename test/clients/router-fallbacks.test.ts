/**
 * Fallbacks on the request path, through the official SDKs (Chat
 * Completions, Responses, Anthropic Messages) and a Codex-shaped request on
 * the ChatGPT fast path: a model that fails before its first byte hands the
 * request to the next one it names; the client keeps the name it asked for,
 * and `x-codex-shim-routed-to` and the log line say who served. Once a byte
 * has gone out nothing falls back. A model that keeps failing is skipped by
 * the breaker for its cool-down.
 */
import Anthropic from '@anthropic-ai/sdk'
import { afterAll, beforeEach, describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import OpenAI from 'openai'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { CircuitBreaker } from '../../src/routing/breaker.ts'
import { parseSettings } from '../../src/settings/load.ts'
import { backendEvents, makeJwt, nowS, startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { startFaultUpstream, type Fault } from '../fakes/fault-upstream.ts'
import { createHandler } from '../../src/server/app.ts'
import { memoryLog, post, sseEvents, startShim, testDeps } from '../support/shim.ts'

const HEADER = 'x-codex-shim-routed-to'

// The healthy side: says which upstream model answered; `too-long` overflows its context.
const good = startFakeChatUpstream((body) => {
  if (body.model === 'too-long') return { kind: 'error', status: 400, body: { error: { message: "This model's maximum context length is 8192 tokens", type: 'invalid_request_error', code: 'context_length_exceeded' } } }
  return stream(textReply(`served by ${body.model}`))
})
// The failing side, scripted per request (chat, Anthropic and ChatGPT wires).
const fault = startFaultUpstream()
const chatgpt = startFakeChatgpt()
process.env.CODEX_SHIM_CHATGPT_BASE_URL = chatgpt.base
const closed = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response('') })
const refusedUrl = `http://127.0.0.1:${closed.port}/v1`
closed.stop(true)

const chat = (slug: string, base: string, model: string, extra: Record<string, unknown> = {}) => ({ slug, model, provider: 'generic-chat-completion-api', base_url: base, ...extra })
const settings = parseSettings(
  JSON.stringify({
    models: [
      chat('flaky', fault.base, 'fake-model', { fallbacks: ['backup'] }),
      { slug: 'flaky-claude', model: 'claude-fake', provider: 'anthropic', base_url: fault.base, api_key: 'sk-ant-test', fallbacks: ['backup'] },
      chat('refused', refusedUrl, 'refused-model', { fallbacks: ['backup'] }),
      chat('small', good.url, 'too-long', { max_context_limit: 8192, fallbacks: ['backup', 'big'] }),
      chat('big', good.url, 'big-model', { max_context_limit: 200_000 }),
      chat('backup', good.url, 'backup-model', { max_context_limit: 4096 }),
      { slug: 'plan', model: 'gpt-5.5', provider: 'chatgpt', fallbacks: ['backup'] },
    ],
  }),
  '/test/models.json',
)
const log = memoryLog()
// Retries on, with test-sized waits: a retry-after past 1 s is past the budget. A breaker that never opens here.
const shim = startShim(settings, { log: log.logger, retry: { retries: 2, baseDelayMs: 5, maxDelayMs: 1_000 }, chatgpt: new ChatgptService(), breaker: new CircuitBreaker({ threshold: 1_000 }) })
afterAll(() => {
  shim.close()
  good.close()
  fault.close()
  chatgpt.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
})
beforeEach(() => {
  chatgpt.validAccess = makeJwt({ exp: nowS() + 3600, n: 'fresh' })
  writeAuth(join(process.env.CODEX_HOME!, 'auth.json'), { access: chatgpt.validAccess, refresh: `rt-${crypto.randomUUID()}` })
  chatgpt.respond = () => ({ kind: 'events', events: backendEvents('Hello from ChatGPT.') })
})

const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
const anthropic = new Anthropic({ baseURL: shim.url, apiKey: 'unused', maxRetries: 0 })

interface Answer {
  text: string
  /** The model names the answer carried. */
  names: string[]
  routedTo: string | null
}
type Client = (model: string) => Promise<Answer>

const CLIENTS: Record<string, Client> = {
  'openai chat.completions': async (model) => {
    const { data, response } = await openai.chat.completions.create({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    const answer: Answer = { text: '', names: [], routedTo: response.headers.get(HEADER) }
    for await (const chunk of data) {
      if (!answer.names.includes(chunk.model)) answer.names.push(chunk.model)
      answer.text += chunk.choices[0]?.delta.content ?? ''
    }
    return answer
  },
  'openai responses': async (model) => {
    const { data, response } = await openai.responses.create({ model, stream: true, input: 'hi' }).withResponse()
    const answer: Answer = { text: '', names: [], routedTo: response.headers.get(HEADER) }
    for await (const event of data) {
      if (event.type === 'response.output_text.delta') answer.text += event.delta
      if (event.type === 'response.created') answer.names.push(event.response.model)
      if (event.type === 'response.failed') throw new Error(event.response.error?.message ?? 'response.failed')
    }
    return answer
  },
  'anthropic messages': async (model) => {
    const { data, response } = await anthropic.messages.create({ model, max_tokens: 64, stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse()
    const answer: Answer = { text: '', names: [], routedTo: response.headers.get(HEADER) }
    for await (const event of data) {
      if (event.type === 'message_start') answer.names.push(event.message.model)
      if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') answer.text += event.delta.text
    }
    return answer
  },
}
const clients = Object.keys(CLIENTS)

async function withFault<T>(next: Fault, run: () => Promise<T>): Promise<T> {
  fault.fault = next
  try {
    return await run()
  } finally {
    fault.fault = { kind: 'ok' }
  }
}

const backupCalls = () => good.requests.filter((request) => request.body.model === 'backup-model').length
const logLines = () => log.lines.join('\n')

describe.each(clients)('fallbacks before the first byte: %s', (name) => {
  const ask = CLIENTS[name]!

  test('a refused connection → the fallback serves; the client keeps its name', async () => {
    const answer = await ask('refused')
    expect(answer).toMatchObject({ text: 'served by backup-model', routedTo: 'backup' })
    expect(answer.names.every((model) => model === 'refused')).toBe(true)
    expect(logLines()).toMatch(/model=refused upstream=generic-chat-completion-api@127\.0\.0\.1:\d+.* status=200 .*served=backup/)
  })

  test('a 503 after the retries → the fallback serves', async () => {
    const before = fault.requests
    const answer = await withFault({ kind: 'status', status: 503 }, () => ask('flaky'))
    expect(answer).toMatchObject({ text: 'served by backup-model', routedTo: 'backup' })
    expect(fault.requests - before).toBe(3) // the first try and two retries, then the fallback
    expect(logLines()).toContain('flaky failed before its first byte (upstream_http 503); falling back to backup')
  })

  test('a 429 whose retry-after is past the retry budget → the fallback serves at once', async () => {
    const before = fault.requests
    const answer = await withFault({ kind: 'status', status: 429, headers: { 'retry-after': '120' } }, () => ask('flaky'))
    expect(answer).toMatchObject({ text: 'served by backup-model', routedTo: 'backup' })
    expect(fault.requests - before).toBe(1)
  })

  test('a context overflow skips a smaller fallback and moves to the larger model', async () => {
    const backups = backupCalls()
    const answer = await ask('small')
    expect(answer).toMatchObject({ text: 'served by big-model', routedTo: 'big' })
    expect(backupCalls()).toBe(backups) // backup's window (4096) is smaller: not tried
  })

  test('the ChatGPT plan\'s usage_limit_reached spills over to the API model', async () => {
    chatgpt.respond = () => ({ kind: 'status', status: 429, body: { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_at: 1795270000 } } })
    const answer = await ask('plan')
    expect(answer).toMatchObject({ text: 'served by backup-model', routedTo: 'backup' })
  })

  test('after the first byte nothing falls back: the client gets the error event', async () => {
    const backups = backupCalls()
    const error = await withFault({ kind: 'error-event' }, () => ask('flaky')).then(
      () => null,
      (thrown: unknown) => thrown,
    )
    expect(error).toBeInstanceOf(Error)
    expect(String((error as Error).message)).toContain('Upstream overloaded mid-answer')
    expect(backupCalls()).toBe(backups)
  })

  test('a healthy primary serves itself, and the header says so', async () => {
    const backups = backupCalls()
    expect(await ask('flaky')).toMatchObject({ text: 'Hello', routedTo: 'flaky' })
    expect(backupCalls()).toBe(backups)
  })
})

describe('fallbacks on the same-dialect fast paths', () => {
  test('Anthropic messages → an Anthropic upstream answering 529 → the (chat) fallback, translated', async () => {
    const answer = await withFault({ kind: 'status', status: 529 }, () => CLIENTS['anthropic messages']!('flaky-claude'))
    expect(answer).toMatchObject({ text: 'served by backup-model', routedTo: 'backup', names: ['flaky-claude'] })
  })

  test('Codex on the ChatGPT fast path: usage_limit_reached spills over to the API model as a Responses stream', async () => {
    chatgpt.respond = () => ({ kind: 'status', status: 429, body: { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_at: 1795270000 } } })
    const codex = { originator: 'codex_exec', 'thread-id': 'spill-1', authorization: 'Bearer codex-shim', host: new URL(shim.url).host }
    const response = await fetch(`${shim.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...codex },
      body: JSON.stringify({ model: 'plan', stream: true, store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'hi' }] }] }),
    })
    expect(response.status).toBe(200)
    expect(response.headers.get(HEADER)).toBe('backup')
    const events = await sseEvents(response)
    expect(events.at(-1)).toMatchObject({ type: 'response.completed', response: { model: 'plan' } })
    expect(events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('')).toBe('served by backup-model')
  })

  test('with no fallback left, the ChatGPT 429 still reaches Codex as the backend sent it', async () => {
    const limit = { error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', resets_at: 1795270000 } }
    chatgpt.respond = () => ({ kind: 'status', status: 429, body: limit })
    const handle = createHandler(testDeps(parseSettings(JSON.stringify({ models: [{ slug: 'plan', model: 'gpt-5.5', provider: 'chatgpt' }] }), '/test/models.json'), { chatgpt: new ChatgptService() }))
    const response = await handle(post('/v1/responses', { model: 'plan', stream: true, store: false, input: 'hi' }, { originator: 'codex_exec' }))
    expect(response.status).toBe(429)
    expect(await response.json()).toEqual(limit)
    expect(response.headers.get(HEADER)).toBe('plan')
  })

  test('a non-streamed answer carries the header too', async () => {
    const { data, response } = await withFault({ kind: 'status', status: 503 }, () => openai.chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'hi' }] }).withResponse())
    expect(data.choices[0]!.message.content).toBe('served by backup-model')
    expect(data.model).toBe('flaky')
    expect(response.headers.get(HEADER)).toBe('backup')
  })

  test('an error no fallback can fix is the client\'s at once, with the header naming the model that failed', async () => {
    const backups = backupCalls()
    const error = await withFault({ kind: 'status', status: 400 }, () => openai.chat.completions.create({ model: 'flaky', messages: [{ role: 'user', content: 'hi' }] }).withResponse()).catch((thrown) => thrown)
    expect(error).toBeInstanceOf(OpenAI.BadRequestError)
    expect(error.headers.get(HEADER)).toBe('flaky')
    expect(backupCalls()).toBe(backups)
  })
})

describe('the circuit breaker', () => {
  test('opens after N failures in a row (the model is skipped), and closes after its cool-down and a success', async () => {
    let clock = 1_000_000
    const breaker = new CircuitBreaker({ threshold: 2, coolDownMs: 60_000, now: () => clock })
    const breakerLog = memoryLog()
    const local = startShim(settings, { log: breakerLog.logger, retry: { retries: 0, baseDelayMs: 1, maxDelayMs: 1 }, breaker })
    try {
      const client = new OpenAI({ baseURL: `${local.url}/v1`, apiKey: 'unused', maxRetries: 0 })
      const ask = async () => {
        const { data, response } = await client.chat.completions.create({ model: 'flaky', stream: true, messages: [{ role: 'user', content: 'hi' }] }).withResponse()
        let text = ''
        for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? ''
        return { text, routedTo: response.headers.get(HEADER) }
      }
      const before = fault.requests
      await withFault({ kind: 'status', status: 503 }, async () => {
        expect(await ask()).toEqual({ text: 'served by backup-model', routedTo: 'backup' })
        expect(breaker.coolingDown()).toEqual([])
        expect(await ask()).toEqual({ text: 'served by backup-model', routedTo: 'backup' })
      })
      expect(fault.requests - before).toBe(2)
      expect(breaker.coolingDown()).toEqual([{ slug: 'flaky', failures: 2, until: clock + 60_000 }])
      // The control page's health card reads the same breaker.
      const health = (await (await fetch(`${local.url}/api/health`, { headers: { host: new URL(local.url).host } })).json()) as { cooling_down: unknown }
      expect(health.cooling_down).toEqual([{ slug: 'flaky', until: new Date(clock + 60_000).toISOString() }])

      // Open: flaky is not even tried, though it would answer now.
      expect(await ask()).toEqual({ text: 'served by backup-model', routedTo: 'backup' })
      expect(fault.requests - before).toBe(2)
      expect(breakerLog.lines.join('\n')).toContain('flaky is cooling down after repeated failures; skipped')

      // After the cool-down it is tried again; a success closes the breaker.
      clock += 60_001
      expect(await ask()).toEqual({ text: 'Hello', routedTo: 'flaky' })
      expect(fault.requests - before).toBe(3)
      expect(breaker.coolingDown()).toEqual([])
      expect(breaker.allows('flaky')).toBe(true)
    } finally {
      local.close()
    }
  })
})
