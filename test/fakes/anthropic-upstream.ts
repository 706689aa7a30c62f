/**
 * A fake Anthropic Messages server. It validates requests the way the real
 * API does (headers, strict alternation, every tool_use answered by a
 * tool_result at the start of the next user turn, thinking budget below
 * max_tokens, replayed thinking blocks carrying the signature we issued for
 * exactly that text, the last tool-use turn opening with thinking when
 * thinking is on, `enabled` or `adaptive`; beta-only fields only with their
 * beta; model generations' own rules: adaptive-only thinking, one sampler, no
 * prefill from Claude 4.6 on; no all-whitespace text; images whose bytes are
 * not their media_type) and streams scripted
 * replies with signed thinking, split `input_json_delta` pieces, pings and errors.
 */
import { createHash } from 'node:crypto'
import { pieces, type Json } from './chat-upstream.ts'

export type MessagesReply =
  | { kind: 'events'; events: Json[]; delayMs?: number; hangAfter?: boolean; pauseAfter?: number; resume?: Promise<void> }
  | { kind: 'error'; status: number; body: Json | string; headers?: Record<string, string> }

export interface RecordedMessagesRequest {
  body: Json
  headers: Record<string, string>
}

/** The signature this fake issues for a thinking text; only it validates on replay. */
export function signThinking(text: string): string {
  return `sig_${createHash('sha256').update(text).digest('base64url')}`
}

const KNOWN = new Set(['model', 'max_tokens', 'messages', 'system', 'tools', 'tool_choice', 'thinking', 'temperature', 'top_p', 'top_k', 'stream', 'metadata', 'stop_sequences', 'service_tier', 'output_config'])
// Fields the API accepts only with a beta named in `anthropic-beta` (Claude Code 2.1.330 sends both with its betas).
// `output_config` (its `effort`) went GA with Claude Opus 4.6: no beta needed (platform.claude.com, build-with-claude/effort).
const BETA_FIELDS: Record<string, string> = { context_management: 'context-management-' }
// Models that take adaptive thinking only: `thinking.type: "enabled"` (a budget) is a 400 there, and so are
// sampling overrides (Bedrock's and Anthropic's adaptive-thinking pages; the Opus 4.7 release notes).
const ADAPTIVE_ONLY = /claude-(?:opus-4-[7-9](?![0-9])|(?:opus|sonnet|haiku)-[5-9](?![0-9])|mythos|fable)/i
// Claude 4.6 and later refuse any assistant prefill ("This model does not support assistant message prefill").
const NO_PREFILL = /claude-(?:(?:opus|sonnet|haiku)-4-[6-9](?![0-9])|(?:opus|sonnet|haiku)-[5-9](?![0-9])|mythos|fable)/i
// Claude Opus 4.1 and the 4.5 models on: "temperature and top_p cannot both be specified for this model".
const ONE_SAMPLER = /claude-(?:opus-4-[1-9](?![0-9])|(?:opus|sonnet|haiku)-(?:4-[5-9](?![0-9])|[5-9](?![0-9]))|mythos|fable)/i
const OUTPUT_EFFORTS = new Set(['low', 'medium', 'high', 'xhigh', 'max'])
// With this beta, Claude Code puts `role: "system"` notes between turns; they sit outside the user/assistant alternation.
const MID_CONVERSATION_BETA = 'mid-conversation-'

/** The user/assistant turns: mid-conversation system notes, when the beta allows them, are checked and set aside. */
function conversationOf(messages: Json[], betas: string): { messages: Json[] } | string {
  if (!betas.includes(MID_CONVERSATION_BETA)) return { messages }
  for (const [i, message] of messages.entries()) {
    if (message.role !== 'system') continue
    if (i === 0) return 'messages.0: the first message must use the "user" role'
    const blocks = typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : message.content
    if (!Array.isArray(blocks) || !blocks.length || blocks.some((b: Json) => b.type !== 'text' || !b.text)) return `messages.${i}: system messages may only hold non-empty text`
  }
  return { messages: messages.filter((m) => m.role !== 'system') }
}

/** The image type base64 data opens with, as the real API reads it; null when not one of the four. */
function imageTypeOf(data: string): string | null {
  const head = Buffer.from(data.slice(0, 24), 'base64')
  if (head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png'
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'image/jpeg'
  if (head.subarray(0, 4).toString('latin1') === 'GIF8') return 'image/gif'
  if (head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp'
  return null
}

/** Images anywhere in the blocks (tool results too) must be what their media_type says. */
function mislabelledImage(blocks: Json[]): string | null {
  for (const block of blocks) {
    if (block?.type === 'tool_result' && Array.isArray(block.content)) {
      const inner = mislabelledImage(block.content)
      if (inner) return inner
    }
    if (block?.type !== 'image' || block.source?.type !== 'base64') continue
    const actual = imageTypeOf(String(block.source.data))
    if (actual && actual !== block.source.media_type) return `The image was specified using the ${block.source.media_type} media type, but the image appears to be a ${actual} image`
  }
  return null
}

// As the real API: a Chat upstream's ids (Kimi's `functions.get_weather:0`) are refused.
const TOOL_ID = /^[a-zA-Z0-9_-]+$/

export function validateMessagesRequest(body: Json, headers: Record<string, string>): string | null {
  if (!headers['x-api-key']) return 'authentication_error: x-api-key header is required'
  if (!headers['anthropic-version']) return 'invalid_request_error: anthropic-version header is required'
  const betas = headers['anthropic-beta'] ?? ''
  for (const key of Object.keys(body)) {
    if (KNOWN.has(key) || (BETA_FIELDS[key] && betas.includes(BETA_FIELDS[key]))) continue
    return `invalid_request_error: ${key}: Extra inputs are not permitted`
  }
  if (typeof body.model !== 'string') return 'invalid_request_error: model: Field required'
  if (!Number.isInteger(body.max_tokens) || body.max_tokens < 1) return 'invalid_request_error: max_tokens: Field required'
  if (!Array.isArray(body.messages) || !body.messages.length) return 'invalid_request_error: messages: at least one message is required'
  const conversation = conversationOf(body.messages, betas)
  if (typeof conversation === 'string') return `invalid_request_error: ${conversation}`
  // Adaptive thinking (the model decides how much) is thinking on: the replay rules below hold for it too.
  const thinking = body.thinking?.type === 'enabled' || body.thinking?.type === 'adaptive'
  if (body.thinking?.type === 'enabled') {
    if (body.thinking.budget_tokens < 1024) return 'invalid_request_error: thinking.budget_tokens: Input should be greater than or equal to 1024'
    if (body.thinking.budget_tokens >= body.max_tokens) return '`max_tokens` must be greater than `thinking.budget_tokens`'
  }
  if (body.thinking?.type === 'enabled' && ADAPTIVE_ONLY.test(body.model)) return '"thinking.type.enabled" is not supported for this model. Use "thinking.type.adaptive" and "output_config.effort" to control thinking behavior.'
  if (ADAPTIVE_ONLY.test(body.model) && (body.temperature !== undefined || body.top_p !== undefined || body.top_k !== undefined)) return 'temperature, top_p and top_k are not supported for this model'
  if (ONE_SAMPLER.test(body.model) && body.temperature !== undefined && body.top_p !== undefined) return 'temperature and top_p cannot both be specified for this model. Please use only one.'
  if (body.output_config?.effort !== undefined && !OUTPUT_EFFORTS.has(body.output_config.effort)) return `output_config.effort: Input should be 'low', 'medium', 'high', 'xhigh' or 'max'`
  if (thinking) {
    if (body.temperature !== undefined && body.temperature !== 1) return 'temperature may only be set to 1 when thinking is enabled'
    if (body.tool_choice && ['any', 'tool'].includes(body.tool_choice.type)) return 'Thinking may not be enabled when tool_choice forces tool use.'
  }
  // Text that is all whitespace is refused wherever a message (or the system prompt) has nothing else:
  // "text content blocks must contain non-whitespace text".
  const blank = (blocks: Json[]) => blocks.length > 0 && blocks.every((b: Json) => b?.type === 'text' && typeof b.text === 'string' && !b.text.trim())
  if (typeof body.system === 'string' ? body.system !== '' && !body.system.trim() : Array.isArray(body.system) && blank(body.system)) return 'system: text content blocks must contain non-whitespace text'
  let cacheMarks = 0
  const count = (block: Json) => (block?.cache_control ? cacheMarks++ : 0)
  for (const block of typeof body.system === 'string' ? [{ type: 'text', text: body.system }] : (body.system ?? [])) {
    if (block.type !== 'text') return 'system: only text blocks'
    count(block)
  }
  for (const [i, tool] of (body.tools ?? []).entries()) {
    if (!/^[a-zA-Z0-9_-]{1,64}$/.test(tool.name)) return `tools.${i}.name: String should match pattern '^[a-zA-Z0-9_-]{1,64}$'`
    if (tool.input_schema?.type !== 'object') return `tools.${i}.input_schema.type: Input should be 'object'`
    count(tool)
  }
  let pending: string[] = []
  for (const [i, original] of conversation.messages.entries()) {
    // The real API accepts a plain string as shorthand for one text block.
    const message = typeof original.content === 'string' ? { ...original, content: [{ type: 'text', text: original.content }] } : original
    const expected = i % 2 === 0 ? 'user' : 'assistant'
    if (message.role !== expected) return `messages: roles must alternate between "user" and "assistant", starting with "user" (messages.${i})`
    if (!Array.isArray(message.content) || !message.content.length) return `messages.${i}: content must be a non-empty array`
    if (blank(message.content)) return 'messages: text content blocks must contain non-whitespace text'
    const mislabelled = mislabelledImage(message.content)
    if (mislabelled) return `messages.${i}: ${mislabelled}`
    if (message.role === 'user') {
      const results = message.content.filter((b: Json) => b.type === 'tool_result').map((b: Json) => b.tool_use_id)
      const leading = message.content.slice(0, results.length).every((b: Json) => b.type === 'tool_result')
      if (pending.length) {
        if (!leading || results.length < pending.length || pending.some((id) => !results.includes(id))) {
          return `messages.${i}: tool_use ids were found without tool_result blocks immediately after: ${pending.join(', ')}. Each tool_use block must have a corresponding tool_result block in the next message.`
        }
      } else if (results.length) return `messages.${i}.content.0: unexpected tool_use_id found in tool_result blocks: ${results[0]}. Each tool_result block must have a corresponding tool_use block in the previous message.`
      pending = []
      for (const [j, block] of message.content.entries()) {
        if (!['text', 'image', 'tool_result', 'document'].includes(block.type)) return `messages.${i}: invalid user block ${block.type}`
        if (block.type === 'text' && typeof block.text !== 'string') return `messages.${i}.content.${j}.text: Input should be a valid string`
        if (block.type === 'text' && !block.text) return `messages.${i}: text content blocks must be non-empty`
        if (block.type === 'tool_result' && !TOOL_ID.test(String(block.tool_use_id))) return `messages.${i}.content.${j}.tool_result.tool_use_id: String should match pattern '^[a-zA-Z0-9_-]+$'`
        count(block)
      }
    } else {
      for (const [j, block] of message.content.entries()) {
        if (block.type === 'thinking') {
          if (!block.signature) return `messages.${i}.content.${j}.thinking.signature: Field required`
          if (block.signature !== signThinking(block.thinking)) return `messages.${i}.content.${j}: Invalid \`signature\` in \`thinking\` block`
        } else if (block.type === 'redacted_thinking') {
          if (!block.data) return `messages.${i}.content.${j}.data: Field required`
        } else if (block.type === 'tool_use') {
          if (typeof block.id !== 'string' || typeof block.input !== 'object') return `messages.${i}.content.${j}: malformed tool_use`
          if (!TOOL_ID.test(block.id)) return `messages.${i}.content.${j}.tool_use.id: String should match pattern '^[a-zA-Z0-9_-]+$'`
          pending.push(block.id)
        } else if (block.type !== 'text') return `messages.${i}: invalid assistant block ${block.type}`
        count(block)
      }
    }
  }
  if (pending.length) return 'the final assistant tool_use blocks have no tool_result'
  const final = conversation.messages.at(-1)
  if (final?.role === 'assistant') {
    if (NO_PREFILL.test(body.model)) return 'This model does not support assistant message prefill. The conversation must end with a user message.'
    const lastBlock = Array.isArray(final.content) ? final.content.at(-1) : { type: 'text', text: final.content }
    if (lastBlock?.type === 'text' && /\s$/.test(lastBlock.text)) return 'messages: final assistant content cannot end with trailing whitespace'
  }
  // Before Claude 4.6, and without thinking (below), a prefill is allowed: the model continues the assistant's words.
  if (thinking && final?.role === 'assistant') return 'messages: a final assistant message (prefill) cannot be used with thinking'
  if (thinking) {
    const lastAssistant = [...conversation.messages].reverse().find((m: Json) => m.role === 'assistant')
    if (Array.isArray(lastAssistant?.content) && lastAssistant.content.some((b: Json) => b.type === 'tool_use') && !['thinking', 'redacted_thinking'].includes(lastAssistant.content[0].type)) {
      return 'Expected `thinking` or `redacted_thinking`, but found `tool_use`. When `thinking` is enabled, a final `assistant` message must start with a thinking block.'
    }
  }
  if (cacheMarks > 4) return `A maximum of 4 blocks with cache_control may be provided. Found ${cacheMarks}.`
  return null
}

// ---- event builders -----------------------------------------------------------

export interface ScriptBlock {
  thinking?: string
  redacted?: string
  text?: string
  tool?: { id: string; name: string; input: Json }
}

/** A full streamed message: signed thinking, text and tool_use blocks, JSON split in small pieces. */
export function messageEvents(blocks: ScriptBlock[], options: { stopReason?: string; usage?: Json; size?: number } = {}): Json[] {
  const events: Json[] = [
    { type: 'message_start', message: { id: 'msg_fake', type: 'message', role: 'assistant', model: 'claude-fake', content: [], stop_reason: null, usage: { input_tokens: 50, output_tokens: 1, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200, ...options.usage } } },
    { type: 'ping' },
  ]
  blocks.forEach((block, index) => {
    if (block.thinking !== undefined) {
      events.push({ type: 'content_block_start', index, content_block: { type: 'thinking', thinking: '', signature: '' } })
      for (const piece of pieces(block.thinking, 9)) events.push({ type: 'content_block_delta', index, delta: { type: 'thinking_delta', thinking: piece } })
      // The real API sends the whole signature in one signature_delta, just before the block stops.
      events.push({ type: 'content_block_delta', index, delta: { type: 'signature_delta', signature: signThinking(block.thinking) } })
    } else if (block.redacted !== undefined) {
      events.push({ type: 'content_block_start', index, content_block: { type: 'redacted_thinking', data: block.redacted } })
    } else if (block.text !== undefined) {
      events.push({ type: 'content_block_start', index, content_block: { type: 'text', text: '' } })
      for (const piece of pieces(block.text, 6)) events.push({ type: 'content_block_delta', index, delta: { type: 'text_delta', text: piece } })
    } else if (block.tool) {
      events.push({ type: 'content_block_start', index, content_block: { type: 'tool_use', id: block.tool.id, name: block.tool.name, input: {} } })
      for (const piece of pieces(JSON.stringify(block.tool.input), options.size ?? 5)) events.push({ type: 'content_block_delta', index, delta: { type: 'input_json_delta', partial_json: piece } })
    }
    events.push({ type: 'content_block_stop', index })
  })
  const stop = options.stopReason ?? (blocks.some((b) => b.tool) ? 'tool_use' : 'end_turn')
  events.push({ type: 'message_delta', delta: { stop_reason: stop, stop_sequence: null }, usage: { output_tokens: 42 } }, { type: 'message_stop' })
  return events
}

export function events(list: Json[], options: Omit<Extract<MessagesReply, { kind: 'events' }>, 'kind' | 'events'> = {}): MessagesReply {
  return { kind: 'events', events: list, ...options }
}

// ---- the server -------------------------------------------------------------------

export interface FakeAnthropicUpstream {
  url: string
  requests: RecordedMessagesRequest[]
  aborted: number
  close: () => void
}

export function startFakeAnthropicUpstream(respond: (body: Json, index: number) => MessagesReply | Promise<MessagesReply>): FakeAnthropicUpstream {
  const requests: RecordedMessagesRequest[] = []
  const state = { aborted: 0 }
  const encoder = new TextEncoder()
  const server = Bun.serve({
    hostname: '127.0.0.1',
    port: 0,
    idleTimeout: 0,
    async fetch(request) {
      const url = new URL(request.url)
      if (request.method !== 'POST' || url.pathname !== '/v1/messages') return Response.json({ type: 'error', error: { type: 'not_found_error', message: 'Not found' } }, { status: 404 })
      const body = (await request.json()) as Json
      const headers = Object.fromEntries(request.headers)
      requests.push({ body, headers })
      const invalid = validateMessagesRequest(body, headers)
      if (invalid) return Response.json({ type: 'error', error: { type: invalid.startsWith('authentication') ? 'authentication_error' : 'invalid_request_error', message: invalid } }, { status: invalid.startsWith('authentication') ? 401 : 400 })
      const reply = await respond(body, requests.length - 1)
      if (reply.kind === 'error') {
        return new Response(typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body), { status: reply.status, headers: { 'content-type': 'application/json', ...reply.headers } })
      }
      if (body.stream !== true) return Response.json(messageOf(reply.events))
      let cancelled = false
      const stream = new ReadableStream<Uint8Array>({
        async start(controller) {
          for (const [index, event] of reply.events.entries()) {
            if (cancelled) return
            if (reply.pauseAfter === index && reply.resume) await reply.resume
            controller.enqueue(encoder.encode(`event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`))
            if (reply.delayMs) await Bun.sleep(reply.delayMs)
          }
          if (!reply.hangAfter) controller.close()
        },
        cancel() {
          cancelled = true
          state.aborted++
        },
      })
      return new Response(stream, { headers: { 'content-type': 'text/event-stream' } })
    },
  })
  return {
    url: `http://127.0.0.1:${server.port}`,
    requests,
    get aborted() {
      return state.aborted
    },
    close: () => server.stop(true),
  }
}

/** What the real API returns for `stream: false`: the events folded into one message. */
export function messageOf(list: Json[]): Json {
  const start = list.find((e) => e.type === 'message_start')?.message ?? {}
  const content: Json[] = []
  let stop: string | null = null
  let usage: Json = { ...start.usage }
  for (const event of list) {
    if (event.type === 'content_block_start') content[event.index] = { ...event.content_block }
    else if (event.type === 'content_block_delta') {
      const block = content[event.index]!
      const d = event.delta
      if (d.type === 'text_delta') block.text += d.text
      else if (d.type === 'thinking_delta') block.thinking += d.thinking
      else if (d.type === 'signature_delta') block.signature = d.signature
      else if (d.type === 'input_json_delta') block._json = (block._json ?? '') + d.partial_json
    } else if (event.type === 'message_delta') {
      stop = event.delta.stop_reason
      usage = { ...usage, ...event.usage }
    }
  }
  for (const block of content) {
    if (block._json !== undefined) {
      block.input = JSON.parse(block._json)
      delete block._json
    }
  }
  return { ...start, content, stop_reason: stop, usage }
}
