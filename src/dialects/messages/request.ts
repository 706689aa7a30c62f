import { CUSTOM_INPUT_FIELD, flatNameForCall, type ToolPlan } from '../../canonical/flatten-tools.ts'
import type { ContentPart, MessageItem, ReasoningItem, ResponsesItem, ResponsesRequest, ToolChoice, ToolOutput } from '../../canonical/types.ts'
import { compactionText } from '../../canonical/compaction.ts'
import { foreignItemsAsText } from '../../canonical/foreign-items.ts'
import { translatedEffort } from '../../canonical/effort.ts'
import { imageByFileId } from '../../canonical/unsupported.ts'
import { ShimError } from '../../errors.ts'
import {
  MESSAGES_IMAGE_TYPES,
  type MessagesDocumentBlock,
  type MessagesImageBlock,
  type MessagesMessage,
  type MessagesRequest,
  type MessagesTextBlock,
  type MessagesTool,
  type MessagesToolChoice,
  type MessagesUserBlock,
} from './api.ts'
import { imageTypeOf } from './image-type.ts'
import { adaptiveThinkingOnly, outputEffort, refusesPrefill } from './model-rules.ts'
import { decodeThinking } from './thinking-signature.ts'
import { toMessagesToolId } from './tool-id.ts'

export interface MessagesRequestOptions {
  /** The upstream model id. */
  model: string
  /** The model's output cap: the default `max_tokens`, and the ceiling for thinking. */
  maxTokens: number
  /** Efforts that turn thinking on; `none` (or an empty list) keeps it off. */
  reasoningEfforts: readonly string[]
  defaultReasoningEffort?: string
  /** Fixed thinking budget, overriding the per-effort default. */
  thinkingBudgetTokens?: number
  promptCaching: boolean
  imageSupport: boolean
}

export interface MessagesTranslation {
  body: MessagesRequest
  /** `anthropic-beta` values this body needs. */
  betas: string[]
  /** A tool standing in for `text.format` json_schema; its input is the answer. */
  structuredOutputTool?: string
  /** The structured tool is forced (no other tool may be called): nothing the model writes needs holding back. */
  structuredOutputForced?: boolean
  /** Reasoning items dropped because they did not come from Anthropic. */
  droppedReasoning: number
}

/** Thinking budget per Codex effort; raised `max_tokens` must stay above it. */
export const THINKING_BUDGETS: Record<string, number> = { minimal: 1024, low: 4000, medium: 10_000, high: 20_000, xhigh: 32_000, max: 48_000, ultra: 48_000 }
/** Anthropic's smallest thinking budget. */
export const MIN_THINKING_BUDGET = 1024
const ANSWER_ROOM = 4096
const IMAGE_OMITTED = '[image omitted: this model does not accept image input]'

function imageBlock(part: Extract<ContentPart, { type: 'input_image' }>, options: MessagesRequestOptions): MessagesTextBlock | MessagesImageBlock {
  const url = part.image_url
  if (!url && part.file_id) throw imageByFileId()
  if (!options.imageSupport || !url) return { type: 'text', text: IMAGE_OMITTED }
  const data = url.match(/^data:([^;,]+);base64,(.*)$/s)
  if (data) {
    // Anthropic takes four image types, and checks the bytes against the one named: the bytes
    // decide. Else the label; `image/jpg` is a common misspelling of one.
    const type = data[1]!.toLowerCase().replace('image/jpg', 'image/jpeg')
    const known = imageTypeOf(data[2]!) ?? MESSAGES_IMAGE_TYPES.find((media) => media === type)
    if (!known) return { type: 'text', text: `[image omitted: ${type} is not a supported image type]` }
    return { type: 'image', source: { type: 'base64', media_type: known, data: data[2]! } }
  }
  return { type: 'image', source: { type: 'url', url } }
}

/** Text with something in it: Anthropic refuses a message whose text is all whitespace, and it says nothing. */
const said = (text: string | null | undefined): text is string => Boolean(text?.trim())

function contentBlocks(content: MessageItem['content'] | ToolOutput, options: MessagesRequestOptions): (MessagesTextBlock | MessagesImageBlock | MessagesDocumentBlock)[] {
  if (typeof content === 'string') return said(content) ? [{ type: 'text', text: content }] : []
  const blocks: (MessagesTextBlock | MessagesImageBlock | MessagesDocumentBlock)[] = []
  for (const part of content) {
    if ((part.type === 'input_text' || part.type === 'output_text') && said(part.text)) blocks.push({ type: 'text', text: part.text })
    else if (part.type === 'refusal' && said(part.refusal)) blocks.push({ type: 'text', text: part.refusal })
    else if (part.type === 'input_image') blocks.push(imageBlock(part, options))
    else if (part.type === 'input_file') blocks.push(documentBlock(part))
  }
  return blocks
}

/** A file as an Anthropic document: a PDF (data or URL) or plain text; anything else is refused by name, never left out. */
function documentBlock(part: Extract<ContentPart, { type: 'input_file' }>): MessagesDocumentBlock {
  const title = part.filename ? { title: part.filename } : {}
  const data = part.file_data?.match(/^data:([^;,]+);base64,(.*)$/s)
  const media = data?.[1]!.toLowerCase()
  if (data && media === 'application/pdf') return { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: data[2]! }, ...title }
  if (data && media === 'text/plain') return { type: 'document', source: { type: 'text', media_type: 'text/plain', data: Buffer.from(data[2]!, 'base64').toString('utf8') }, ...title }
  if (!part.file_data && part.file_url) return { type: 'document', source: { type: 'url', url: part.file_url }, ...title }
  const what = data ? `a ${media} file` : part.file_data ? 'file_data that is not a base64 data: URL' : 'a file given by file_id'
  throw new ShimError('bad_request', `Invalid request: input_file: Anthropic models read PDFs and plain text as documents, not ${what}. Send a PDF or text file as file_data (a data: URL) or file_url.`, { param: 'input_file' })
}

function plainText(content: MessageItem['content']): string {
  if (typeof content === 'string') return content
  return content.map((part) => ('text' in part ? part.text : part.type === 'refusal' ? part.refusal : '')).filter(Boolean).join('\n')
}

type Turn = MessagesMessage

/**
 * Regroups Responses items into Anthropic turns: strictly alternating,
 * thinking first in its assistant turn, every `tool_use` answered by a
 * `tool_result` at the start of the very next user turn (placeholders for
 * interrupted calls; answers to calls no longer in history become text).
 */
function toTurns(items: ResponsesItem[], plan: ToolPlan, options: MessagesRequestOptions, system: MessagesTextBlock[]): { turns: Turn[]; droppedReasoning: number } {
  const turns: Turn[] = []
  // Calls of the current assistant turn in order; the sets answer "is it open?" without rescanning.
  let openCalls: string[] = []
  let calledIds = new Set<string>()
  let answered = new Set<string>()
  let droppedReasoning = 0
  let sawConversation = false
  const last = () => turns[turns.length - 1]

  const userTurn = (): Extract<Turn, { role: 'user' }> => {
    const previous = last()
    if (previous?.role === 'user') return previous
    const turn: Extract<Turn, { role: 'user' }> = { role: 'user', content: [] }
    turns.push(turn)
    return turn
  }
  const closeOpenCalls = () => {
    const unanswered = openCalls.filter((id) => !answered.has(id))
    openCalls = []
    calledIds = new Set()
    answered = new Set()
    if (!unanswered.length) return
    const turn = userTurn()
    for (const id of unanswered) turn.content.push({ type: 'tool_result', tool_use_id: toMessagesToolId(id), content: 'No output: the call was interrupted.', is_error: true })
  }
  const assistantTurn = (): Extract<Turn, { role: 'assistant' }> => {
    const previous = last()
    if (previous?.role === 'assistant') return previous
    closeOpenCalls()
    const turn: Extract<Turn, { role: 'assistant' }> = { role: 'assistant', content: [] }
    turns.push(turn)
    return turn
  }
  const addUser = (blocks: MessagesUserBlock[]) => {
    if (!blocks.length) return
    closeOpenCalls()
    const content = userTurn().content
    for (const block of blocks) content.push(block)
  }
  const addToolUse = (id: string, name: string, input: unknown) => {
    assistantTurn().content.push({ type: 'tool_use', id: toMessagesToolId(id), name, input })
    openCalls.push(id)
    calledIds.add(id)
  }
  const addResult = (callId: string, output: ToolOutput) => {
    const blocks = contentBlocks(output, options)
    if (!calledIds.has(callId) || answered.has(callId)) {
      const text = blocks.filter((b) => b.type === 'text').map((b) => (b as MessagesTextBlock).text).join('\n')
      addUser([{ type: 'text', text: `Output of an earlier tool call (${callId}):\n${text || '(empty)'}` }, ...blocks.filter((b) => b.type === 'image')])
      return
    }
    answered.add(callId)
    const content = blocks.length === 1 && blocks[0]!.type === 'text' ? blocks[0]!.text : blocks.length ? blocks : '(no output)'
    userTurn().content.push({ type: 'tool_result', tool_use_id: toMessagesToolId(callId), content })
  }

  for (const item of items) {
    switch (item.type) {
      case 'message': {
        const message = item as MessageItem
        if (message.role === 'system' || message.role === 'developer') {
          const text = plainText(message.content)
          if (!said(text)) break
          // Before the conversation starts it is the system prompt; later, a note in the user turn.
          if (!sawConversation) system.push({ type: 'text', text })
          else addUser([{ type: 'text', text: `<system>\n${text}\n</system>` }])
          break
        }
        sawConversation = true
        if (message.role === 'assistant') {
          const text = plainText(message.content)
          if (said(text)) assistantTurn().content.push({ type: 'text', text })
        } else addUser(contentBlocks(message.content, options))
        break
      }
      case 'reasoning': {
        sawConversation = true
        const block = decodeThinking((item as ReasoningItem).encrypted_content)
        if (block) assistantTurn().content.push(block)
        else droppedReasoning++
        break
      }
      case 'function_call': {
        sawConversation = true
        const call = item as { call_id: string; name: string; namespace?: string; arguments: string }
        let input: unknown = {}
        try {
          input = call.arguments ? JSON.parse(call.arguments) : {}
        } catch {
          input = { arguments: call.arguments }
        }
        addToolUse(call.call_id, flatNameForCall(plan, call, 'function'), input)
        break
      }
      case 'custom_tool_call': {
        sawConversation = true
        const call = item as { call_id: string; name: string; input: string }
        addToolUse(call.call_id, flatNameForCall(plan, call, 'custom'), { [CUSTOM_INPUT_FIELD]: call.input })
        break
      }
      case 'function_call_output':
      case 'custom_tool_call_output': {
        const output = item as { call_id: string; output: ToolOutput }
        addResult(output.call_id, output.output)
        break
      }
      case 'compaction': {
        const text = compactionText((item as { encrypted_content?: string }).encrypted_content)
        if (text) addUser([{ type: 'text', text }])
        break
      }
      default:
        break
    }
  }
  closeOpenCalls()

  // A turn of thinking alone (an interrupted response) is not accepted; drop it and re-merge.
  const cleaned: Turn[] = []
  for (const turn of turns) {
    if (turn.role === 'assistant' && turn.content.every((b) => b.type === 'thinking' || b.type === 'redacted_thinking')) continue
    const previous = cleaned[cleaned.length - 1]
    // A loop, not push(...spread): a turn may hold more blocks than a call can take arguments.
    if (previous && previous.role === turn.role) for (const block of turn.content) (previous.content as unknown[]).push(block)
    else cleaned.push(turn)
  }
  if (cleaned[0]?.role === 'assistant') cleaned.unshift({ role: 'user', content: [{ type: 'text', text: '(continuing an earlier conversation)' }] })
  if (!cleaned.length) cleaned.push({ role: 'user', content: [{ type: 'text', text: '(no input)' }] })
  return { turns: cleaned, droppedReasoning }
}

/** The user turn after a history that ends on the assistant (a retried, interrupted answer). */
export const CONTINUE_TEXT = '(the previous answer was cut off; continue from where it stopped)'

function toolChoice(choice: ToolChoice | undefined, plan: ToolPlan): MessagesToolChoice | undefined {
  if (choice === undefined || choice === 'auto') return undefined
  if (choice === 'none') return { type: 'none' }
  if (choice === 'required') return { type: 'any' }
  if (choice.type === 'function' || choice.type === 'custom') {
    const call = choice as { name: string; namespace?: string }
    return { type: 'tool', name: flatNameForCall(plan, call, choice.type === 'custom' ? 'custom' : 'function') }
  }
  return undefined
}

/** The last assistant turn with tool calls must open with thinking when thinking is on. */
function toolLoopHasThinking(turns: Turn[]): boolean {
  const lastAssistant = [...turns].reverse().find((turn) => turn.role === 'assistant')
  if (!lastAssistant || !lastAssistant.content.some((block) => block.type === 'tool_use')) return true
  const first = lastAssistant.content[0]
  return first?.type === 'thinking' || first?.type === 'redacted_thinking'
}

/** Up to four breakpoints: tools, system, and the last two user turns (the stable, growing prefix). */
function placeCacheBreakpoints(body: MessagesRequest): void {
  const mark = { type: 'ephemeral' } as const
  const lastTool = body.tools?.at(-1)
  if (lastTool) lastTool.cache_control = mark
  const lastSystem = body.system?.at(-1)
  if (lastSystem) lastSystem.cache_control = mark
  const userTurns = body.messages.filter((turn): turn is Extract<Turn, { role: 'user' }> => turn.role === 'user')
  for (const turn of userTurns.slice(-2)) {
    const block = turn.content.at(-1)
    if (block && !(block.type === 'text' && !block.text)) block.cache_control = mark
  }
}

/**
 * A prefill may not end in whitespace ("final assistant content cannot end with trailing
 * whitespace"), and an answer cut mid-stream often does: the model carries on from the last word.
 */
function trimPrefill(turn: Extract<Turn, { role: 'assistant' }>): void {
  const last = turn.content.at(-1)
  if (last?.type === 'text') last.text = last.text.trimEnd()
}

export const STRUCTURED_OUTPUT_TOOL = 'json_output'

/**
 * Whether the tool standing in for `text.format` json_schema is forced. Only when nothing else is
 * offered: forced, the model could call no other tool. Unforced, it may write before calling it,
 * which the stream decoder must then keep out of the answer's text (see stream.ts).
 */
export function forcesStructuredOutputTool(plan: ToolPlan): boolean {
  return plan.tools.length === 0
}

export function fromCanonical(request: ResponsesRequest, plan: ToolPlan, options: MessagesRequestOptions): MessagesTranslation {
  const system: MessagesTextBlock[] = []
  if (said(request.instructions)) system.push({ type: 'text', text: request.instructions })
  const items: ResponsesItem[] = typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : foreignItemsAsText(request.input ?? [])
  const { turns, droppedReasoning } = toTurns(items, plan, options, system)

  const tools: MessagesTool[] = plan.tools.map((tool) => ({
    name: tool.name,
    ...(tool.description && { description: tool.description }),
    input_schema: { ...tool.parameters, type: 'object' },
  }))
  let choice = toolChoice(request.tool_choice, plan)

  let structuredOutputTool: string | undefined
  let structuredOutputForced = false
  const format = request.text?.format
  if (format?.type === 'json_schema' && format.schema) {
    // A tool whose input schema is the output schema is the dependable way to get schema-valid JSON.
    structuredOutputTool = STRUCTURED_OUTPUT_TOOL
    for (let n = 2; plan.byFlatName.has(structuredOutputTool); n++) structuredOutputTool = `${STRUCTURED_OUTPUT_TOOL}_${n}`
    tools.push({ name: structuredOutputTool, description: `Give your final answer by calling this tool; its input is the answer (${format.name ?? 'output'}).`, input_schema: { ...format.schema, type: 'object' } })
    // Forced also under tool_choice "none": the client's tools may not be called, so the answer is this call.
    structuredOutputForced = forcesStructuredOutputTool(plan) || request.tool_choice === 'none'
    if (structuredOutputForced) choice = { type: 'tool', name: structuredOutputTool }
    else system.push({ type: 'text', text: `When you give your final answer, call the ${structuredOutputTool} tool with it instead of writing it as text.` })
  }
  // Anthropic has no JSON mode: the instruction is what it has (json_schema goes through a tool, above).
  if (format?.type === 'json_object') system.push({ type: 'text', text: 'Answer with one JSON object and nothing else: no prose, no code fence.' })
  if (request.parallel_tool_calls === false && tools.length && choice?.type !== 'none') {
    choice = { ...(choice ?? { type: 'auto' }), disable_parallel_tool_use: true } as MessagesToolChoice
  }

  const body: MessagesRequest = { model: options.model, max_tokens: request.max_output_tokens ?? options.maxTokens, messages: turns, stream: true }
  if (system.length) body.system = system
  if (tools.length) body.tools = tools
  if (choice) body.tool_choice = choice
  if (request.stop?.length) body.stop_sequences = request.stop

  const betas: string[] = []
  const effort = translatedEffort(request.reasoning?.effort ?? options.defaultReasoningEffort, options.reasoningEfforts)
  const forced = choice?.type === 'any' || choice?.type === 'tool'
  const adaptive = adaptiveThinkingOnly(options.model)
  if (adaptive && effort && effort !== 'none' && !forced && toolLoopHasThinking(turns)) {
    // These models refuse a budget: the model sizes its thinking within max_tokens, and thinks
    // between tool calls without the interleaved-thinking beta.
    body.thinking = { type: 'adaptive' }
    body.output_config = { effort: outputEffort(effort) }
  } else if (!adaptive && effort && effort !== 'none' && !forced && toolLoopHasThinking(turns)) {
    // A cap the client set counts thinking and answer together, as OpenAI's reasoning models count
    // it: thinking gets at most half of it rather than the cap being raised past what was asked.
    const explicit = typeof request.max_output_tokens === 'number' ? request.max_output_tokens : undefined
    const ceiling = explicit ?? Math.max(options.maxTokens, body.max_tokens)
    const room = explicit === undefined ? ceiling - ANSWER_ROOM : Math.floor(explicit / 2)
    const budget = Math.min(options.thinkingBudgetTokens ?? THINKING_BUDGETS[effort] ?? THINKING_BUDGETS.medium!, room)
    if (budget >= MIN_THINKING_BUDGET) {
      body.thinking = { type: 'enabled', budget_tokens: budget }
      body.max_tokens = explicit ?? Math.min(ceiling, Math.max(body.max_tokens, budget + ANSWER_ROOM))
      if (tools.length) betas.push('interleaved-thinking-2025-05-14')
    }
  }
  // A history ending on the assistant's words is a prefill, which Anthropic refuses with thinking
  // on. Codex sends one when it retries a stream cut mid-answer (the finished items come back as
  // history, for the model to carry on from). Without thinking a prefill is what a client may mean,
  // where the model takes one: Claude 4.6 and later refuse any.
  const final = turns[turns.length - 1]
  if (final?.role === 'assistant' && (body.thinking || refusesPrefill(options.model))) turns.push({ role: 'user', content: [{ type: 'text', text: CONTINUE_TEXT }] })
  else if (final?.role === 'assistant') trimPrefill(final)
  // Thinking does not combine with sampling overrides, and adaptive-only models take none at all.
  if (!body.thinking && !adaptive) {
    if (typeof request.temperature === 'number') body.temperature = request.temperature
    // Claude Opus 4.1 and the 4.5 models on refuse both in one request; Anthropic's advice is one or
    // the other for every model, so temperature, the one clients usually mean, goes alone.
    if (typeof request.top_p === 'number' && body.temperature === undefined) body.top_p = request.top_p
  }
  if (options.promptCaching) placeCacheBreakpoints(body)
  return { body, betas, structuredOutputTool, structuredOutputForced, droppedReasoning }
}

