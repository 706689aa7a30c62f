/**
 * What a translated route used to accept and then drop without a word (a translation audit):
 * now carried to the upstreams that take it, or refused by name, in the client's own shape.
 */
import { afterAll, describe, expect, test } from 'bun:test'
import { cursorAgentProvider } from '../../src/providers/cursor-agent.ts'
import { createHandler } from '../../src/server/app.ts'
import { messageEvents, events, startFakeAnthropicUpstream } from '../fakes/anthropic-upstream.ts'
import { startFakeChatUpstream, stream, textReply } from '../fakes/chat-upstream.ts'
import { responseEvents, startFakeResponsesUpstream } from '../fakes/responses-upstream.ts'
import { memoryLog, post, settingsFrom, testDeps } from '../support/shim.ts'

const chat = startFakeChatUpstream(() => stream(textReply('ok')))
const anthropic = startFakeAnthropicUpstream(() => events(messageEvents([{ text: 'ok' }])))
const responses = startFakeResponsesUpstream(() => ({ kind: 'events', ...responseEvents('resp_1', 'gpt-x', [{ text: 'ok' }], { input_tokens: 1, output_tokens: 1, total_tokens: 2 }) }) as never)
afterAll(() => {
  chat.close()
  anthropic.close()
  responses.close()
})

const handle = createHandler(testDeps(settingsFrom([
  { slug: 'to-chat', model: 'chat-model', provider: 'generic-chat-completion-api', base_url: chat.url, api_key: 'k-chat-0123456789' },
  { slug: 'to-anthropic', model: 'claude-model', provider: 'anthropic', base_url: anthropic.url, api_key: 'k-anthropic-0123456789', reasoning_efforts: ['none'] },
  { slug: 'to-responses', model: 'gpt-x', provider: 'openai-responses', base_url: responses.url, api_key: 'k-responses-0123456789' },
  { slug: 'to-chat-thinking', model: 'chat-thinking', provider: 'generic-chat-completion-api', base_url: chat.url, api_key: 'k-chat-0123456789', reasoning_efforts: ['none', 'low', 'high'], reasoning_effort: 'high' },
])))

describe('stop sequences', () => {
  test('a Chat client\'s stop reaches an Anthropic upstream as stop_sequences', async () => {
    const response = await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'count' }], stop: ['5', 'five'] }))
    expect(response.status).toBe(200)
    expect(anthropic.requests.at(-1)!.body.stop_sequences).toEqual(['5', 'five'])
  })

  test('a Chat client\'s stop as one string, too', async () => {
    await (await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'count' }], stop: 'END' }))).text()
    expect(anthropic.requests.at(-1)!.body.stop_sequences).toEqual(['END'])
  })

  test('a Messages client\'s stop_sequences reach a chat upstream as stop', async () => {
    const response = await handle(post('/v1/messages', { model: 'to-chat', max_tokens: 50, messages: [{ role: 'user', content: 'count' }], stop_sequences: ['5'] }, { 'anthropic-version': '2023-06-01' }))
    expect(response.status).toBe(200)
    expect(chat.requests.at(-1)!.body.stop).toEqual(['5'])
  })

  test('a Responses upstream has no stop parameter: a 400 naming it, in each client\'s shape, and nothing sent', async () => {
    const before = responses.requests.length
    const fromChat = await handle(post('/v1/chat/completions', { model: 'to-responses', messages: [{ role: 'user', content: 'count' }], stop: ['5'] }))
    expect(fromChat.status).toBe(400)
    expect(await fromChat.json()).toMatchObject({ error: { param: 'stop', message: expect.stringContaining('stop sequences (stop / stop_sequences) cannot be sent to openai-responses@') } })
    const fromMessages = await handle(post('/v1/messages', { model: 'to-responses', max_tokens: 50, messages: [{ role: 'user', content: 'count' }], stop_sequences: ['5'] }, { 'anthropic-version': '2023-06-01' }))
    expect(fromMessages.status).toBe(400)
    expect(await fromMessages.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('stop_sequences') } })
    expect(responses.requests.length).toBe(before)
  })
})

describe('cursor-agent', () => {
  const open = (request: Record<string, unknown>) =>
    cursorAgentProvider.open({ model: 'cursor-x', input: 'hi', ...request }, { slug: 'cursor-x', model: { model: 'x' } } as never, {} as never).then(
      () => null,
      (error: Error & { details?: { param?: string } }) => error.details?.param ?? error.message,
    )

  test('stop sequences, a JSON output format and a forced tool call are refused by name before anything runs', async () => {
    expect(await open({ stop: ['5'] })).toBe('stop')
    expect(await open({ text: { format: { type: 'json_schema', name: 'x', schema: {} } } })).toBe('text.format')
    expect(await open({ text: { format: { type: 'json_object' } } })).toBe('text.format')
    expect(await open({ tool_choice: 'required' })).toBe('tool_choice')
    expect(await open({ tool_choice: { type: 'function', name: 'shell' } })).toBe('tool_choice')
  })
})

describe('attachments', () => {
  const PDF = Buffer.from('%PDF-1.4 a tiny document').toString('base64')
  const anthropicVersion = { 'anthropic-version': '2023-06-01' }
  const lastUserContent = (body: Record<string, any>) => body.messages.at(-1).content

  test('a Chat client\'s PDF (file_data) reaches an Anthropic upstream as a document block', async () => {
    const response = await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: [{ type: 'text', text: 'summarise' }, { type: 'file', file: { file_data: `data:application/pdf;base64,${PDF}`, filename: 'spec.pdf' } }] }] }))
    expect(response.status).toBe(200)
    expect(lastUserContent(anthropic.requests.at(-1)!.body).find((block: { type: string }) => block.type === 'document')).toMatchObject({ source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'spec.pdf' })
  })

  test('a Responses client\'s input_file by URL reaches Anthropic as a URL document', async () => {
    const response = await handle(post('/v1/responses', { model: 'to-anthropic', input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'summarise' }, { type: 'input_file', file_url: 'https://example.com/spec.pdf' }] }] }))
    expect(response.status).toBe(200)
    expect(lastUserContent(anthropic.requests.at(-1)!.body).find((block: { type: string }) => block.type === 'document')).toMatchObject({ source: { type: 'url', url: 'https://example.com/spec.pdf' } })
  })

  test('a Messages client\'s base64 PDF document reaches a chat upstream as a file part', async () => {
    const response = await handle(post('/v1/messages', { model: 'to-chat', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: PDF }, title: 'spec.pdf' }, { type: 'text', text: 'summarise' }] }] }, anthropicVersion))
    expect(response.status).toBe(200)
    expect(lastUserContent(chat.requests.at(-1)!.body)).toContainEqual({ type: 'file', file: { file_data: `data:application/pdf;base64,${PDF}`, filename: 'spec.pdf' } })
  })

  test.each([
    ['a Chat file by file_id', '/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'file-abc' } }] }] }, 'messages[0].content[0].file.file_id'],
    ['Chat audio', '/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }, 'messages[0].content[0]'],
    ['Responses audio', '/v1/responses', { model: 'to-chat', input: [{ type: 'message', role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] }, 'input[0].content[0]'],
    ['a Responses image by file_id', '/v1/responses', { model: 'to-chat', input: [{ type: 'message', role: 'user', content: [{ type: 'input_image', file_id: 'file-abc' }] }] }, 'input_image.file_id'],
    ['a Responses file by URL to a chat model', '/v1/responses', { model: 'to-chat', input: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_url: 'https://example.com/a.pdf' }] }] }, 'input_file'],
    ['a spreadsheet to an Anthropic model', '/v1/responses', { model: 'to-anthropic', input: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_data: 'data:application/vnd.ms-excel;base64,AAAA' }] }] }, 'input_file'],
  ])('%s: a 400 naming it, and nothing sent', async (_name, path, body, param) => {
    const sent = chat.requests.length + anthropic.requests.length
    const response = await handle(post(path, body))
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param)
    expect(chat.requests.length + anthropic.requests.length).toBe(sent)
  })

  test('a Messages document uploaded to Anthropic (source "file") is refused in Anthropic\'s shape', async () => {
    const response = await handle(post('/v1/messages', { model: 'to-chat', max_tokens: 50, messages: [{ role: 'user', content: [{ type: 'document', source: { type: 'file', file_id: 'file_abc' } }] }] }, anthropicVersion))
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('messages.0.content.0.source') } })
  })
})

describe('hosted tools and the tool choice', () => {
  const shell = { type: 'function', name: 'shell', description: 'Runs a command', parameters: { type: 'object', properties: { command: { type: 'string' } } } }
  const ask = (model: string, extra: Record<string, unknown>) => handle(post('/v1/responses', { model, input: 'find the docs', ...extra }))

  test('offered beside function tools under "auto": left out, the model answers without them', async () => {
    for (const model of ['to-chat', 'to-anthropic']) {
      const response = await ask(model, { tools: [{ type: 'web_search' }, shell], tool_choice: 'auto' })
      expect(response.status).toBe(200)
    }
    expect(chat.requests.at(-1)!.body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['shell'])
    expect(anthropic.requests.at(-1)!.body.tools.map((tool: { name: string }) => tool.name)).toEqual(['shell'])
  })

  test.each([
    ['"required" with only hosted tools', { tools: [{ type: 'web_search' }, { type: 'file_search', vector_store_ids: ['vs_1'] }], tool_choice: 'required' }, 'are hosted ones'],
    ['a hosted tool by type', { tools: [{ type: 'web_search' }, shell], tool_choice: { type: 'web_search' } }, 'web_search is a hosted tool'],
    ['allowed_tools', { tools: [shell], tool_choice: { type: 'allowed_tools', mode: 'required', tools: [{ type: 'function', name: 'shell' }] } }, 'allowed_tools cannot be translated'],
    ['a function that is not offered', { tools: [shell], tool_choice: { type: 'function', name: 'deploy' } }, 'names "deploy"'],
  ])('%s: a 400 naming tool_choice, chat and Anthropic alike, nothing sent', async (_name, extra, words) => {
    const sent = chat.requests.length + anthropic.requests.length
    for (const model of ['to-chat', 'to-anthropic']) {
      const response = await ask(model, extra)
      expect(response.status).toBe(400)
      const error = ((await response.json()) as { error: { param: string; message: string } }).error
      expect(error.param).toBe('tool_choice')
      expect(error.message).toContain(words)
    }
    expect(chat.requests.length + anthropic.requests.length).toBe(sent)
  })

  test('a Messages client forcing a server tool it offered (web_search_20250305) to a chat model: refused in Anthropic\'s shape', async () => {
    const response = await handle(post('/v1/messages', { model: 'to-chat', max_tokens: 50, messages: [{ role: 'user', content: 'news?' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }], tool_choice: { type: 'tool', name: 'web_search' } }, { 'anthropic-version': '2023-06-01' }))
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ type: 'error', error: { message: expect.stringContaining('tool_choice') } })
  })
})

test('a Messages client\'s server tools offered to a chat or Responses model: left out, and the log says so once per model', async () => {
  // Claude Code offers web search beside its own tools; only Anthropic runs it. Until now it went without a word.
  const { logger, lines } = memoryLog()
  const logged = createHandler(testDeps(settingsFrom([
    { slug: 'server-tools-chat', model: 'chat-model', provider: 'generic-chat-completion-api', base_url: chat.url, api_key: 'k-chat-0123456789' },
    { slug: 'server-tools-responses', model: 'gpt-x', provider: 'openai-responses', base_url: responses.url, api_key: 'k-responses-0123456789' },
  ]), { log: logger }))
  const body = (model: string) => ({ model, max_tokens: 50, messages: [{ role: 'user', content: 'news?' }], tools: [{ type: 'web_search_20250305', name: 'web_search', max_uses: 3 }, { name: 'Bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }] })
  for (const model of ['server-tools-chat', 'server-tools-chat', 'server-tools-responses']) {
    const response = await logged(post('/v1/messages', body(model), { 'anthropic-version': '2023-06-01' }))
    expect(response.status).toBe(200)
  }
  expect(chat.requests.at(-1)!.body.tools.map((tool: { function: { name: string } }) => tool.function.name)).toEqual(['Bash'])
  expect(responses.requests.at(-1)!.body.tools.map((tool: { name: string }) => tool.name)).toEqual(['Bash'])
  const notes = lines.filter((line) => line.includes('left out'))
  expect(notes).toHaveLength(2)
  expect(notes[0]).toContain('server-tools-chat: hosted tools with no equivalent on')
  expect(notes[0]).toContain('web_search')
  expect(notes[1]).toContain('server-tools-responses')
})

test('the note that hosted tools were left out is said once per model and set of tools', async () => {
  const { droppedToolsNote, flattenTools } = await import('../../src/canonical/flatten-tools.ts')
  const plan = flattenTools([{ type: 'web_search' }, { type: 'function', name: 'shell', parameters: {} }] as never)
  expect(droppedToolsNote('note-model', plan, 'chat@x')).toBe('note-model: hosted tools with no equivalent on chat@x left out (the model answers without them): web_search')
  expect(droppedToolsNote('note-model', plan, 'chat@x')).toBeNull()
  expect(droppedToolsNote('other-model', plan, 'chat@x')).not.toBeNull()
  expect(droppedToolsNote('note-model', flattenTools([{ type: 'function', name: 'shell', parameters: {} }] as never), 'chat@x')).toBeNull()
})

describe('a chat upstream\'s refusal', () => {
  const refusing = startFakeChatUpstream(() => stream([{ id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { role: 'assistant', refusal: 'I can' }, finish_reason: null }] }, { id: 'c1', object: 'chat.completion.chunk', created: 1, model: 'm', choices: [{ index: 0, delta: { refusal: '\'t help with that.' }, finish_reason: 'stop' }] }]))
  afterAll(() => refusing.close())
  const refusingHandle = createHandler(testDeps(settingsFrom([{ slug: 'refuser', model: 'm', provider: 'generic-chat-completion-api', base_url: refusing.url, api_key: 'k-refuse-0123456789' }])))

  test('reaches a Responses client as a refusal part, not as answer text', async () => {
    const response = (await (await refusingHandle(post('/v1/responses', { model: 'refuser', input: 'do the bad thing' }))).json()) as { output: { content: unknown[] }[]; output_text?: string }
    expect(response.output[0]!.content).toEqual([{ type: 'refusal', refusal: 'I can\'t help with that.' }])
  })

  test('reaches a Messages client with stop_reason "refusal"', async () => {
    const message = (await (await refusingHandle(post('/v1/messages', { model: 'refuser', max_tokens: 50, messages: [{ role: 'user', content: 'do the bad thing' }] }, { 'anthropic-version': '2023-06-01' }))).json()) as { stop_reason: string; content: { text: string }[] }
    expect(message.stop_reason).toBe('refusal')
    expect(message.content[0]!.text).toBe('I can\'t help with that.')
  })
})

describe('parameters with no counterpart', () => {
  test.each([
    ['logit_bias', { logit_bias: { '50256': -100 } }],
    ['frequency_penalty', { frequency_penalty: 0.5 }],
    ['presence_penalty', { presence_penalty: -0.2 }],
    ['logprobs', { logprobs: true, top_logprobs: 2 }],
    ['audio', { modalities: ['text', 'audio'], audio: { voice: 'alloy', format: 'wav' } }],
    ['prediction', { prediction: { type: 'content', content: 'old code' } }],
  ])('a Chat client\'s %s to an Anthropic model: a 400 naming it', async (param, extra) => {
    const response = await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'hi' }], ...extra }))
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe(param)
  })

  test('the same fields left at their neutral values pass (SDKs send them so)', async () => {
    const response = await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'hi' }], logprobs: false, frequency_penalty: 0, presence_penalty: 0, logit_bias: {}, modalities: ['text'], seed: 7, user: 'u1' }))
    expect(response.status).toBe(200)
  })

  test('a Responses prompt template to a chat model: a 400 naming prompt', async () => {
    const response = await handle(post('/v1/responses', { model: 'to-chat', prompt: { id: 'pmpt_123', variables: { city: 'Paris' } }, input: 'hi' }))
    expect(response.status).toBe(400)
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('prompt')
  })

  test('json_object to an Anthropic model: an instruction to answer with one JSON object, as Anthropic has no JSON mode', async () => {
    await (await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'list two colours' }], response_format: { type: 'json_object' } }))).text()
    expect(JSON.stringify(anthropic.requests.at(-1)!.body.system)).toContain('Answer with one JSON object and nothing else')
  })

  test('a Messages client\'s thinking "disabled" turns reasoning off on a chat model whose default effort is high', async () => {
    await (await handle(post('/v1/messages', { model: 'to-chat-thinking', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], thinking: { type: 'disabled' } }, { 'anthropic-version': '2023-06-01' }))).text()
    expect(chat.requests.at(-1)!.body.reasoning_effort).toBe('none')
    await (await handle(post('/v1/messages', { model: 'to-chat-thinking', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }, { 'anthropic-version': '2023-06-01' }))).text()
    expect(chat.requests.at(-1)!.body.reasoning_effort).toBe('high')
  })
})

describe('more of a request carried over', () => {
  test('a Chat client\'s freeform (custom) tool and a choice naming it reach an Anthropic model; strict reaches a chat model', async () => {
    const response = await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'patch it' }], tools: [{ type: 'custom', custom: { name: 'apply_patch', description: 'Applies a patch' } }], tool_choice: { type: 'custom', custom: { name: 'apply_patch' } } }))
    expect(response.status).toBe(200)
    const body = anthropic.requests.at(-1)!.body
    expect(body.tools.map((tool: { name: string }) => tool.name)).toEqual(['apply_patch'])
    expect(body.tool_choice).toEqual({ type: 'tool', name: 'apply_patch' })
    await (await handle(post('/v1/responses', { model: 'to-chat', input: 'hi', tools: [{ type: 'function', name: 'shell', parameters: { type: 'object', properties: {} }, strict: true }] }))).text()
    expect(chat.requests.at(-1)!.body.tools[0].function.strict).toBe(true)
  })

  test('a Chat tool of another type, allowed_tools, or an assistant refusal in the history', async () => {
    const odd = await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'retrieval' }] }))
    expect(odd.status).toBe(400)
    expect(((await odd.json()) as { error: { param: string } }).error.param).toBe('tools[0]')
    const allowed = await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'shell', parameters: { type: 'object' } } }], tool_choice: { type: 'allowed_tools', allowed_tools: { mode: 'required', tools: [] } } }))
    expect(allowed.status).toBe(400)
    await (await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'do the bad thing' }, { role: 'assistant', content: null, refusal: 'I won\'t.' }, { role: 'user', content: 'why?' }] }))).text()
    expect(JSON.stringify(anthropic.requests.at(-1)!.body.messages)).toContain('I won\'t.')
  })

  test('a Messages client\'s mcp_servers to a chat model: refused by name', async () => {
    const response = await handle(post('/v1/messages', { model: 'to-chat', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }], mcp_servers: [{ type: 'url', url: 'https://mcp.example/sse', name: 'docs' }] }, { 'anthropic-version': '2023-06-01' }))
    expect(response.status).toBe(400)
    expect(await response.json()).toMatchObject({ error: { message: expect.stringContaining('mcp_servers') } })
  })
})

test('a Chat client\'s verbosity, service_tier, prompt_cache_key and safety_identifier reach a Responses upstream, which has them too', async () => {
  const response = await handle(post('/v1/chat/completions', { model: 'to-responses', messages: [{ role: 'user', content: 'hi' }], verbosity: 'low', service_tier: 'flex', prompt_cache_key: 'task-7', safety_identifier: 'user-hash' }))
  expect(response.status).toBe(200)
  expect(responses.requests.at(-1)!.body).toMatchObject({ text: { verbosity: 'low' }, service_tier: 'flex', prompt_cache_key: 'task-7', safety_identifier: 'user-hash' })
})

test('the Responses API\'s own tool calls in the history (shell, MCP, a screenshot) reach chat and Anthropic models as notes, not holes', async () => {
  const screenshot = `data:image/png;base64,${'A'.repeat(5000)}`
  const input = [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'what is in the folder?' }] },
    { type: 'local_shell_call', id: 'lsc_1', call_id: 'call_sh', status: 'completed', action: { type: 'exec', command: ['ls'] } },
    { type: 'local_shell_call_output', call_id: 'call_sh', output: 'secret-plan.txt' },
    { type: 'mcp_call', id: 'mcp_1', server_label: 'docs', name: 'search', arguments: '{"q":"plan"}', output: 'found 2' },
    { type: 'computer_call_output', call_id: 'call_pc', output: { type: 'computer_screenshot', image_url: screenshot } },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'which file did you find?' }] },
  ]
  for (const [model, sent] of [['to-chat', () => chat.requests.at(-1)!.body.messages], ['to-anthropic', () => anthropic.requests.at(-1)!.body.messages]] as const) {
    const response = await handle(post('/v1/responses', { model, input }))
    expect(response.status).toBe(200)
    const text = JSON.stringify(sent())
    expect(text).toContain('[local_shell_call call_sh, from the Responses API]')
    expect(text).toContain('secret-plan.txt')
    expect(text).toContain('found 2')
    expect(text).not.toContain('AAAAAAAAAA')
    expect(text).toContain('characters not replayed')
  }
})

test('legacy function calling (functions, function_call, role "function") to an Anthropic model: refused by name, with the way out', async () => {
  const cases: [Record<string, unknown>, string][] = [
    [{ functions: [{ name: 'shell', parameters: { type: 'object' } }] }, 'functions'],
    [{ messages: [{ role: 'user', content: 'ls' }, { role: 'assistant', content: null, function_call: { name: 'shell', arguments: '{}' } }, { role: 'function', name: 'shell', content: 'a.txt' }] }, 'messages[1]'],
  ]
  for (const [extra, param] of cases) {
    const response = await handle(post('/v1/chat/completions', { model: 'to-anthropic', messages: [{ role: 'user', content: 'hi' }], ...extra }))
    expect(response.status).toBe(400)
    const error = ((await response.json()) as { error: { param: string; message: string } }).error
    expect(error.param).toBe(param)
    expect(error.message).toContain('tool')
  }
})
