/**
 * The response store on the ChatGPT path for clients other than Codex (the
 * openai SDK): the backend keeps nothing (the shim sends store:false), so the
 * shim records what it decoded, retrieval works, and a follow-up with
 * previous_response_id reaches the backend with the earlier turn expanded.
 */
import { afterAll, expect, test } from 'bun:test'
import { join } from 'node:path'
import OpenAI from 'openai'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import type { Json } from '../fakes/chat-upstream.ts'
import { backendEvents, startFakeChatgpt, writeAuth } from '../fakes/chatgpt-backend.ts'
import { settingsFrom, startShim } from '../support/shim.ts'

const backend = startFakeChatgpt()
process.env.CODEX_SHIM_CHATGPT_BASE_URL = backend.base
writeAuth(join(process.env.CODEX_HOME!, 'auth.json'), { access: backend.validAccess, refresh: 'rt-store' })
const shim = startShim(settingsFrom([]), { chatgpt: new ChatgptService() })
const openai = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => {
  shim.close()
  backend.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
})

const texts = (body: Json) => JSON.stringify(body.input)
let n = 0
/** The fake's events under a fresh response id, as the real backend gives each answer its own. */
const answer = (text: string) => {
  const id = `resp_cg${++n}`
  return { kind: 'events' as const, events: JSON.parse(JSON.stringify(backendEvents(text)).replaceAll('"resp_b1"', JSON.stringify(id))) as Json[] }
}

test('streamed and not: stored, retrievable, and expanded for the follow-up', async () => {
  backend.respond = () => answer('The code word is ZEBRA-42.')
  const first = await openai.responses.stream({ model: 'gpt-5.5', input: 'Remember a code word.' }).finalResponse()
  expect(first.output_text).toBe('The code word is ZEBRA-42.')
  // The backend was told store:false (it refuses anything else); the shim kept the response.
  expect(backend.requests.at(-1)!.body.store).toBe(false)
  const stored = await openai.responses.retrieve(first.id)
  expect(stored.output_text).toBe('The code word is ZEBRA-42.')

  backend.respond = () => answer('ZEBRA-42')
  const second = await openai.responses.create({ model: 'gpt-5.5', previous_response_id: first.id, input: 'What was it?' })
  expect(second.output_text).toBe('ZEBRA-42')
  const sent = backend.requests.at(-1)!.body
  expect(sent.previous_response_id).toBeUndefined()
  expect(texts(sent)).toContain('Remember a code word.')
  expect(texts(sent)).toContain('The code word is ZEBRA-42.')
  expect(texts(sent)).toContain('What was it?')
  // The non-streamed answer was stored too.
  expect((await openai.responses.retrieve(second.id)).output_text).toBe('ZEBRA-42')
})

test('store:false answers are not kept', async () => {
  backend.respond = () => answer('ephemeral')
  const ephemeral = await openai.responses.create({ model: 'gpt-5.5', input: 'x', store: false })
  const error = await openai.responses.retrieve(ephemeral.id).catch((caught) => caught)
  expect(error).toBeInstanceOf(OpenAI.NotFoundError)
})
