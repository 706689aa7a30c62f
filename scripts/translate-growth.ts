#!/usr/bin/env bun
/**
 * How translation cost grows with the number of items: a Messages request
 * with 30k and 300k short messages translated to chat (and to Anthropic),
 * and an upstream stream with 10k and 100k tool calls decoded and encoded
 * for Codex. Linear code shows a ratio near 10 between the two sizes;
 * quadratic code shows ~100. Prints one line per case and one JSON line.
 *
 *   bun scripts/translate-growth.ts                 # this checkout
 *   bun scripts/translate-growth.ts --src /tmp/old/src   # another copy, to compare
 *
 * Each case runs in a fresh child process (so one case's garbage does not
 * bill the next) and reports the best of three runs. Bounded: a case over
 * GROWTH_MAX_SECONDS (default 120) is reported as a timeout.
 */
import { join, resolve } from 'node:path'

const args = process.argv.slice(2)
const srcFlag = args.indexOf('--src')
const src = resolve(srcFlag >= 0 && args[srcFlag + 1] ? args[srcFlag + 1]! : join(import.meta.dir, '..', 'src'))
const caseFlag = args.indexOf('--case')
const limitSeconds = Number(process.env.GROWTH_MAX_SECONDS ?? 120)

type CaseName = 'user-messages-to-chat' | 'user-messages-to-anthropic' | 'turns-to-chat' | 'turns-to-anthropic' | 'chat-stream-tool-calls' | 'messages-stream-tool-calls'
const SIZES: Record<CaseName, [number, number]> = {
  // The reported shape: ~10 MB of 300k short user messages in a row.
  'user-messages-to-chat': [30_000, 300_000],
  'user-messages-to-anthropic': [30_000, 300_000],
  'turns-to-chat': [30_000, 300_000],
  'turns-to-anthropic': [30_000, 300_000],
  'chat-stream-tool-calls': [10_000, 100_000],
  'messages-stream-tool-calls': [10_000, 100_000],
}

/**
 * A Messages request body: `user` = that many short user messages in a row;
 * `turns` = alternating user and assistant turns with a tool loop every tenth.
 */
export function messagesBody(count: number, shape: 'user' | 'turns'): Record<string, unknown> {
  const messages: Record<string, unknown>[] = []
  for (let i = 0; shape === 'user' && i < count; i++) messages.push({ role: 'user', content: `hi ${i}` })
  for (let i = 0; shape === 'turns' && messages.length < count; i++) {
    if (i % 10 === 9) {
      messages.push({ role: 'assistant', content: [{ type: 'tool_use', id: `toolu_${i}`, name: 'Bash', input: { command: `echo ${i}` } }] })
      messages.push({ role: 'user', content: [{ type: 'tool_result', tool_use_id: `toolu_${i}`, content: `${i}` }] })
    } else {
      messages.push({ role: 'user', content: `q${i}` })
      messages.push({ role: 'assistant', content: `a${i}` })
    }
  }
  messages.length = count
  if (messages.at(-1)!.role !== 'user') messages.push({ role: 'user', content: 'go on' })
  return { model: 'm', max_tokens: 1000, stream: true, messages, tools: [{ name: 'Bash', description: 'run', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }] }
}

function chatToolCallStream(count: number): string {
  const parts: string[] = []
  for (let i = 0; i < count; i++) {
    parts.push(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index: i, id: `call_${i}`, type: 'function', function: { name: 'exec_command', arguments: '' } }] } }] })}\n\n`)
    parts.push(`data: ${JSON.stringify({ choices: [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: `{"cmd":"echo ${i}"}` } }] } }] })}\n\n`)
  }
  parts.push(`data: ${JSON.stringify({ choices: [{ index: 0, delta: {}, finish_reason: 'tool_calls' }] })}\n\ndata: [DONE]\n\n`)
  return parts.join('')
}

function messagesToolUseStream(count: number): string {
  const event = (value: Record<string, unknown>) => `event: ${value.type}\ndata: ${JSON.stringify(value)}\n\n`
  const parts = [event({ type: 'message_start', message: { id: 'msg', usage: { input_tokens: 1, output_tokens: 1 } } })]
  for (let i = 0; i < count; i++) {
    parts.push(event({ type: 'content_block_start', index: i, content_block: { type: 'tool_use', id: `toolu_${i}`, name: 'exec_command', input: {} } }))
    parts.push(event({ type: 'content_block_delta', index: i, delta: { type: 'input_json_delta', partial_json: `{"cmd":"echo ${i}"}` } }))
    parts.push(event({ type: 'content_block_stop', index: i }))
  }
  parts.push(event({ type: 'message_delta', delta: { stop_reason: 'tool_use' }, usage: { output_tokens: 5 } }), event({ type: 'message_stop' }))
  return parts.join('')
}

const TOOLS = [{ type: 'function', name: 'exec_command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }]

/** One timed run of one case at one size, in this process. Returns milliseconds. */
async function runOnce(name: CaseName, count: number): Promise<number> {
  const load = (path: string) => import(join(src, path))
  const { flattenTools } = await load('canonical/flatten-tools.ts')
  if (!name.includes('stream')) {
    const text = JSON.stringify(messagesBody(count, name.startsWith('user') ? 'user' : 'turns'))
    const { parseMessagesRequest, assertMessagesTranslatable, messagesToCanonical } = await load('dialects/messages/to-canonical.ts')
    const chat = await load('dialects/chat/request.ts')
    const anthropic = await load('dialects/messages/request.ts')
    const started = performance.now()
    const request = parseMessagesRequest(JSON.parse(text), { requireMaxTokens: true })
    assertMessagesTranslatable(request)
    const canonical = messagesToCanonical(request)
    const plan = flattenTools(canonical.tools)
    if (name.endsWith('to-chat')) {
      chat.fromCanonical(canonical, plan, { model: 'm', maxTokensField: 'max_tokens', replayReasoning: false, supportsPromptCacheKey: false, supportsVerbosity: false, supportsServiceTier: false, imageSupport: true })
    } else {
      anthropic.fromCanonical(canonical, plan, { model: 'm', maxTokens: 8000, reasoningEfforts: [], promptCaching: true, imageSupport: true })
    }
    return performance.now() - started
  }
  const { decodeBody, streamOf } = await load('canonical/decode.ts')
  const { formatEvent } = await load('sse/encode.ts')
  const body = new TextEncoder().encode(name === 'chat-stream-tool-calls' ? chatToolCallStream(count) : messagesToolUseStream(count))
  const chunks: Uint8Array[] = []
  for (let i = 0; i < body.length; i += 16 * 1024) chunks.push(body.subarray(i, i + 16 * 1024))
  const decoder = name === 'chat-stream-tool-calls' ? (await load('dialects/chat/stream.ts')).createChatDecoder : (await load('dialects/messages/stream.ts')).createMessagesDecoder
  const plan = flattenTools(TOOLS)
  const started = performance.now()
  const reader = decodeBody(streamOf(chunks), (emit: unknown) => decoder(emit, { model: 'm', tools: plan })).encoded(formatEvent).getReader()
  let bytes = 0
  for (;;) {
    const { value, done } = await reader.read()
    if (done) break
    bytes += value.byteLength
  }
  if (!bytes) throw new Error('no output')
  return performance.now() - started
}

async function child(name: CaseName, count: number): Promise<number | null> {
  const proc = Bun.spawn([process.execPath, import.meta.path, '--src', src, '--case', `${name}:${count}`], { stdout: 'pipe', stderr: 'inherit' })
  const timer = setTimeout(() => proc.kill(), limitSeconds * 1000)
  const out = await new Response(proc.stdout).text()
  clearTimeout(timer)
  return (await proc.exited) === 0 ? Number(out.trim()) : null
}

if (caseFlag >= 0) {
  const [name, count] = args[caseFlag + 1]!.split(':') as [CaseName, string]
  let best = Infinity
  for (let run = 0; run < 3; run++) best = Math.min(best, await runOnce(name, Number(count)))
  console.log(best.toFixed(1))
} else if (import.meta.main) {
  console.log(`translate-growth: ${src} (best of 3 per size, each case in its own process)`)
  const results: Record<string, unknown>[] = []
  for (const [name, [small, large]] of Object.entries(SIZES) as [CaseName, [number, number]][]) {
    const a = await child(name, small)
    const b = await child(name, large)
    const ratio = a && b ? b / a : null
    const show = (ms: number | null) => (ms === null ? `timeout(>${limitSeconds}s)` : `${ms.toFixed(0)} ms`)
    console.log(`${name.padEnd(28)} ${String(small).padStart(7)}: ${show(a).padStart(10)}   ${String(large).padStart(7)}: ${show(b).padStart(12)}   ratio ${ratio === null ? '?' : ratio.toFixed(1)}`)
    results.push({ case: name, small, large, smallMs: a, largeMs: b, ratio })
  }
  console.log(JSON.stringify({ src, results }))
}
