/**
 * Gemini 3's thought signatures, both ways: the chat decoder keeps each call's
 * `extra_content.google.thought_signature` in a `codex-shim.gemini.v1:` reasoning item, and the chat
 * request puts it back on `tool_calls[i].extra_content.google.thought_signature` of that call, the
 * shape https://ai.google.dev/gemini-api/docs/thought-signatures gives for the OpenAI endpoint.
 */
import { expect, test } from 'bun:test'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { counterIds } from '../../../src/canonical/builder.ts'
import { decodeBody, streamOf } from '../../../src/canonical/decode.ts'
import { flattenTools } from '../../../src/canonical/flatten-tools.ts'
import { withoutShimItems } from '../../../src/canonical/shim-items.ts'
import type { ResponsesEvent, ResponsesItem, ResponsesTool } from '../../../src/canonical/types.ts'
import { fromCanonical, type ChatRequestOptions } from '../../../src/dialects/chat/request.ts'
import { createChatDecoder } from '../../../src/dialects/chat/stream.ts'
import { validateChatRequest } from '../../fakes/chat-upstream.ts'
import { collect } from '../../support/golden.ts'

const tools = JSON.parse(readFileSync(join(import.meta.dir, '../../fixtures/responses/tools.json'), 'utf8')) as ResponsesTool[]
// Importing request.test.ts's options would run its tests here too.
const GENERIC: ChatRequestOptions = { model: 'deepseek-chat', maxTokensField: 'max_tokens', replayReasoning: true, supportsPromptCacheKey: false, supportsVerbosity: false, supportsServiceTier: false, imageSupport: true }
const GEMINI: ChatRequestOptions = { ...GENERIC, model: 'gemini-3-pro-preview' }

/** The fixture's answer as Codex gets it: the items of response.completed. */
async function geminiAnswer(): Promise<ResponsesItem[]> {
  const bytes = new Uint8Array(readFileSync(join(import.meta.dir, '../../fixtures/chat/gemini-thought-signature.sse')))
  const events = await collect<ResponsesEvent>(decodeBody(streamOf([bytes]), (emit) => createChatDecoder(emit, { model: 'gemini', upstreamModel: GEMINI.model, tools: flattenTools(tools), ids: counterIds() })).events())
  const completed = events.at(-1) as unknown as { type: string; response: { output: ResponsesItem[] } }
  expect(completed.type).toBe('response.completed')
  return completed.response.output
}

/** The next turn of the loop: the answer's items back, then each call's output. */
async function nextTurn(): Promise<ResponsesItem[]> {
  const output = await geminiAnswer()
  const outputs = output.filter((item) => item.type === 'function_call').map((item) => ({ type: 'function_call_output', call_id: (item as { call_id: string }).call_id, output: 'ok' }) as ResponsesItem)
  return [{ type: 'message', role: 'user', content: 'List the files.' } as ResponsesItem, ...output, ...outputs]
}

const callsOf = (body: ReturnType<typeof fromCanonical>) => body.messages.flatMap((message) => (message.role === 'assistant' ? message.tool_calls ?? [] : []))

test('the signed call gets its signature back on the same call; the unsigned one gets none', async () => {
  const input = await nextTurn()
  const body = fromCanonical({ model: 'gemini', input, tools }, flattenTools(tools), GEMINI)
  const calls = callsOf(body)
  expect(calls.map((call) => call.id)).toEqual(['function-call-1', 'function-call-2'])
  expect(calls[0]!.extra_content).toEqual({ google: { thought_signature: 'CrICAdHtim827fQ-signature-A' } })
  expect(calls[1]).not.toHaveProperty('extra_content')
  // The carrier item adds nothing else to the chat request.
  expect(JSON.stringify(body.messages)).not.toContain('codex-shim.')
})

test('another upstream model never gets the field (OpenAI-style validators reject unknown keys)', async () => {
  const input = await nextTurn()
  const body = fromCanonical({ model: 'deepseek', input, tools }, flattenTools(tools), GENERIC)
  expect(callsOf(body).some((call) => 'extra_content' in call)).toBe(false)
  expect(validateChatRequest(body)).toBeNull()
})

test('a Responses upstream never sees the carrier item', async () => {
  const input = await nextTurn()
  const sent = withoutShimItems(input, { stored: false })
  expect(sent.some((item) => item.type === 'reasoning')).toBe(false)
  expect(sent).toHaveLength(input.length - 1)
})

test('a corrupted or foreign blob is ignored, not thrown on', () => {
  const input = [
    { type: 'reasoning', summary: [], encrypted_content: 'codex-shim.gemini.v1:%%%not base64' },
    { type: 'reasoning', summary: [], encrypted_content: 'gAAAAB-openai-encrypted' },
    { type: 'function_call', call_id: 'c1', name: 'exec_command', arguments: '{}' },
    { type: 'function_call_output', call_id: 'c1', output: 'ok' },
  ] as ResponsesItem[]
  const body = fromCanonical({ model: 'gemini', input, tools }, flattenTools(tools), GEMINI)
  expect(callsOf(body)[0]).not.toHaveProperty('extra_content')
})

test('a signature that arrives after its call opened still goes out', async () => {
  const events: ResponsesEvent[] = []
  const decoder = createChatDecoder((event) => events.push(event), { model: 'gemini', upstreamModel: GEMINI.model, tools: flattenTools(tools), ids: counterIds() })
  decoder.push({ data: JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, id: 'c1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":' } }] } }] }) })
  decoder.push({ data: JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index: 0, function: { arguments: '"ls"}' }, extra_content: { google: { thought_signature: 'late' } } }] }, finish_reason: 'tool_calls' }] }) })
  decoder.push({ data: '[DONE]' })
  const output = (events.at(-1) as unknown as { response: { output: ResponsesItem[] } }).response.output
  const body = fromCanonical({ model: 'gemini', input: [...output, { type: 'function_call_output', call_id: 'c1', output: 'ok' } as ResponsesItem], tools }, flattenTools(tools), GEMINI)
  expect(callsOf(body)[0]!.extra_content).toEqual({ google: { thought_signature: 'late' } })
})

const CHECKED: ChatRequestOptions = { ...GEMINI, checksThoughtSignatures: true }

test('with the check on, a step Gemini did not sign gets the documented stand-in, on its first call only', () => {
  // Another model's turn (a fallback, a switch of model mid-loop): two parallel calls, then one more step.
  const input = [
    { type: 'message', role: 'user', content: 'List and count the files.' },
    { type: 'function_call', call_id: 'call_a', name: 'exec_command', arguments: '{"cmd":"ls"}' },
    { type: 'function_call', call_id: 'call_b', name: 'exec_command', arguments: '{"cmd":"pwd"}' },
    { type: 'function_call_output', call_id: 'call_a', output: 'a.txt' },
    { type: 'function_call_output', call_id: 'call_b', output: '/w' },
    { type: 'function_call', call_id: 'call_c', name: 'exec_command', arguments: '{"cmd":"wc -l a.txt"}' },
    { type: 'function_call_output', call_id: 'call_c', output: '1' },
  ] as ResponsesItem[]
  const calls = callsOf(fromCanonical({ model: 'gemini', input, tools }, flattenTools(tools), CHECKED))
  expect(calls.map((call) => [call.id, call.extra_content?.google?.thought_signature])).toEqual([
    ['call_a', 'skip_thought_signature_validator'],
    ['call_b', undefined],
    ['call_c', 'skip_thought_signature_validator'],
  ])
  // Without the check (any other chat upstream) nothing is added.
  expect(callsOf(fromCanonical({ model: 'gemini', input, tools }, flattenTools(tools), GEMINI)).some((call) => 'extra_content' in call)).toBe(false)
})

test('with the check on, a step Gemini signed keeps its own signature', async () => {
  const calls = callsOf(fromCanonical({ model: 'gemini', input: await nextTurn(), tools }, flattenTools(tools), CHECKED))
  expect(calls[0]!.extra_content).toEqual({ google: { thought_signature: 'CrICAdHtim827fQ-signature-A' } })
  expect(calls[1]).not.toHaveProperty('extra_content')
})
