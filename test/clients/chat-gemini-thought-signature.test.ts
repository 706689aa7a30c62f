/**
 * Gemini 3 on its OpenAI-compatible endpoint attaches `extra_content.google.thought_signature`
 * to every tool call and refuses the next request of the tool loop (400 INVALID_ARGUMENT,
 * "Function call is missing a thought_signature in functionCall parts") unless each assistant
 * tool call carries it back (https://ai.google.dev/gemini-api/docs/thought-signatures). This fake
 * behaves that way; the loop is driven as Codex and the Agents SDK drive it: the response's output
 * items go back as input, plus the tool's output. The decoder used to drop the signature.
 */
import { afterAll, expect, test } from 'bun:test'
import OpenAI from 'openai'
import { chatModel, settingsFrom, startShim } from '../support/shim.ts'

const SIGNATURE = 'CrICAdHtim827fQ-gemini-thought-signature'
const seen: any[] = []
const gemini = Bun.serve({
  hostname: '127.0.0.1', port: 0,
  async fetch(request) {
    const body = (await request.json()) as any
    seen.push(body)
    const calls = body.messages.flatMap((m: any) => (m.role === 'assistant' ? m.tool_calls ?? [] : []))
    for (const call of calls) {
      if (call.extra_content?.google?.thought_signature !== SIGNATURE) {
        return new Response(JSON.stringify([{ error: { code: 400, message: `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${call.function.name}\` , position 2. please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`, status: 'INVALID_ARGUMENT' } }]), { status: 400, headers: { 'content-type': 'application/json' } })
      }
    }
    const chunk = (delta: any, finish: string | null = null) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'gemini-3-pro-preview', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    const sse = calls.length
      ? chunk({ role: 'assistant', content: 'The files are listed.' }) + chunk({}, 'stop') + 'data: [DONE]\n\n'
      : chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'function-call-1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' }, extra_content: { google: { thought_signature: SIGNATURE } } }] }) + chunk({}, 'tool_calls') + 'data: [DONE]\n\n'
    return new Response(sse, { headers: { 'content-type': 'text/event-stream' } })
  },
})
const shim = startShim(settingsFrom([chatModel(`http://127.0.0.1:${gemini.port}/v1beta/openai`, { slug: 'gemini', model: 'gemini-3-pro-preview' })]))
const client = new OpenAI({ baseURL: `${shim.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { shim.close(); gemini.stop(true) })

test('a Gemini 3 tool loop survives its second request (thought_signature carried back)', async () => {
  const tools = [{ type: 'function' as const, name: 'exec_command', description: 'Run a command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } }]
  const input: any[] = [{ role: 'user', content: 'List the files.' }]
  const first = await client.responses.create({ model: 'gemini', input, tools, store: false, include: ['reasoning.encrypted_content'] })
  const call = first.output.find((item) => item.type === 'function_call')!
  expect(call).toBeDefined()
  input.push(...first.output, { type: 'function_call_output', call_id: (call as any).call_id, output: 'a.txt\nb.txt' })
  const second = await client.responses.create({ model: 'gemini', input, tools, store: false, include: ['reasoning.encrypted_content'] }).catch((error) => error)
  expect(second).not.toBeInstanceOf(Error)
  expect(second.output_text).toBe('The files are listed.')
  // The shape Google documents for the OpenAI endpoint: on the call it was issued with.
  const sent = seen[1].messages.find((m: any) => m.tool_calls).tool_calls
  expect(sent).toEqual([{ id: 'function-call-1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' }, extra_content: { google: { thought_signature: SIGNATURE } } }])
})

// Gemini 3 as Google documents its check: only the current turn (since the last user text) is
// checked, and there only each step's first call, which must carry a signature: its own, or the
// stand-in Google gives for calls it did not make.
const strictSeen: any[] = []
const strictGemini = Bun.serve({
  hostname: '127.0.0.1', port: 0,
  async fetch(request) {
    const body = (await request.json()) as any
    strictSeen.push(body)
    const lastUser = body.messages.findLastIndex((m: any) => m.role === 'user')
    for (const message of body.messages.slice(lastUser + 1)) {
      const first = message.role === 'assistant' ? message.tool_calls?.[0] : undefined
      const signature = first?.extra_content?.google?.thought_signature
      if (first && signature !== SIGNATURE && signature !== 'skip_thought_signature_validator') {
        return new Response(JSON.stringify([{ error: { code: 400, message: `Function call is missing a thought_signature in functionCall parts. function call \`default_api:${first.function.name}\`.`, status: 'INVALID_ARGUMENT' } }]), { status: 400, headers: { 'content-type': 'application/json' } })
      }
    }
    const chunk = (delta: any, finish: string | null = null) => `data: ${JSON.stringify({ id: 'x', object: 'chat.completion.chunk', created: 1, model: 'gemini-3-pro-preview', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    return new Response(chunk({ role: 'assistant', content: 'Two files.' }) + chunk({}, 'stop') + 'data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } })
  },
})
// Another model that signs nothing: the turn's first calls are its.
const other = Bun.serve({
  hostname: '127.0.0.1', port: 0,
  fetch() {
    const chunk = (delta: any, finish: string | null = null) => `data: ${JSON.stringify({ id: 'y', object: 'chat.completion.chunk', created: 1, model: 'other-model', choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`
    return new Response(chunk({ role: 'assistant', tool_calls: [{ index: 0, id: 'call_other_1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }] }) + chunk({}, 'tool_calls') + 'data: [DONE]\n\n', { headers: { 'content-type': 'text/event-stream' } })
  },
})
const switching = startShim(settingsFrom([
  chatModel(`http://127.0.0.1:${other.port}/v1`, { slug: 'other', model: 'other-model' }),
  chatModel(`http://127.0.0.1:${strictGemini.port}/v1beta/openai`, { slug: 'gemini', model: 'gemini-3-pro-preview' }),
]))
const switchingClient = new OpenAI({ baseURL: `${switching.url}/v1`, apiKey: 'unused', maxRetries: 0 })
afterAll(() => { switching.close(); strictGemini.stop(true); other.stop(true) })

test('a switch to Gemini 3 in the middle of a tool loop: the other model\'s calls go with the documented stand-in', async () => {
  const tools = [{ type: 'function' as const, name: 'exec_command', description: 'Run a command', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } }]
  const input: any[] = [{ role: 'user', content: 'How many files are there?' }]
  const first = await switchingClient.responses.create({ model: 'other', input, tools, store: false })
  const call = first.output.find((item) => item.type === 'function_call') as any
  expect(call.call_id).toBe('call_other_1')
  input.push(...first.output, { type: 'function_call_output', call_id: call.call_id, output: 'a.txt\nb.txt' })
  const second = await switchingClient.responses.create({ model: 'gemini', input, tools, store: false }).catch((error) => error)
  expect(second).not.toBeInstanceOf(Error)
  expect(second.output_text).toBe('Two files.')
  expect(strictSeen[0].messages.find((m: any) => m.tool_calls).tool_calls[0].extra_content).toEqual({ google: { thought_signature: 'skip_thought_signature_validator' } })
})
