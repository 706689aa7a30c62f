/**
 * The canonical format is the OpenAI Responses API: the request object and its
 * stream of `response.*` events. These types are loose on purpose: unknown
 * fields survive, so what we forward is what we received. Shapes follow
 * what Codex 0.169 really sends (spec/codex-wire.md §b, §c, §d).
 */

export type Role = 'user' | 'assistant' | 'system' | 'developer'

export type InputText = { type: 'input_text'; text: string }
export type OutputText = { type: 'output_text'; text: string; annotations?: unknown[]; logprobs?: unknown[] }
export type InputImage = { type: 'input_image'; image_url?: string; file_id?: string; detail?: 'auto' | 'low' | 'high' | 'original' }
export type Refusal = { type: 'refusal'; refusal: string }
export type InputFile = { type: 'input_file'; file_data?: string; file_url?: string; filename?: string }
export type ContentPart = InputText | OutputText | InputImage | Refusal | InputFile

export interface MessageItem {
  type: 'message'
  id?: string
  role: Role
  content: string | ContentPart[]
  status?: string
  phase?: string
}

export interface ReasoningItem {
  type: 'reasoning'
  id?: string
  summary: { type: 'summary_text'; text: string }[]
  content?: { type: 'reasoning_text'; text: string }[] | null
  encrypted_content?: string | null
  status?: string
}

export interface FunctionCallItem {
  type: 'function_call'
  id?: string
  call_id: string
  name: string
  /** MCP and other namespaced tools: Codex rejects the flattened name. */
  namespace?: string
  arguments: string
  status?: string
}

export type ToolOutput = string | ContentPart[]

export interface FunctionCallOutputItem {
  type: 'function_call_output'
  id?: string
  call_id: string
  output: ToolOutput
}

export interface CustomToolCallItem {
  type: 'custom_tool_call'
  id?: string
  call_id: string
  name: string
  /** Raw text (an apply_patch patch), not JSON. */
  input: string
  status?: string
}

export interface CustomToolCallOutputItem {
  type: 'custom_tool_call_output'
  id?: string
  call_id: string
  output: ToolOutput
}

export interface CompactionItem {
  type: 'compaction'
  id?: string
  encrypted_content: string
}

/** Items we pass along or skip without modelling: web_search_call, additional_tools, … */
export interface OtherItem {
  type: string
  [key: string]: unknown
}

export type KnownItem =
  | MessageItem
  | ReasoningItem
  | FunctionCallItem
  | FunctionCallOutputItem
  | CustomToolCallItem
  | CustomToolCallOutputItem
  | CompactionItem

export type ResponsesItem = KnownItem | OtherItem
export type OutputItem = MessageItem | ReasoningItem | FunctionCallItem | CustomToolCallItem | CompactionItem | OtherItem

export interface FunctionTool {
  type: 'function'
  name: string
  description?: string
  parameters?: Record<string, unknown> | null
  strict?: boolean | null
}

export interface CustomTool {
  type: 'custom'
  name: string
  description?: string
  /** `{type:"grammar", syntax:"lark", definition}` or `{type:"text"}`. */
  format?: { type: string; syntax?: string; definition?: string }
}

export interface NamespaceTool {
  type: 'namespace'
  name: string
  description?: string
  tools: (FunctionTool | CustomTool)[]
}

export interface HostedTool {
  type: string // web_search, tool_search, file_search, image_generation, …
  [key: string]: unknown
}

export type ResponsesTool = FunctionTool | CustomTool | NamespaceTool | HostedTool

export type ToolChoice =
  | 'auto'
  | 'none'
  | 'required'
  | { type: 'function'; name: string; namespace?: string }
  | { type: 'custom'; name: string }
  | { type: string; [key: string]: unknown }

export interface TextFormat {
  type: 'text' | 'json_schema' | 'json_object'
  name?: string
  schema?: Record<string, unknown>
  strict?: boolean
  description?: string
}

export interface ResponsesRequest {
  model: string
  input: string | ResponsesItem[]
  instructions?: string | null
  tools?: ResponsesTool[]
  tool_choice?: ToolChoice
  parallel_tool_calls?: boolean
  reasoning?: { effort?: string | null; summary?: string | null; [key: string]: unknown } | null
  text?: { format?: TextFormat; verbosity?: string | null } | null
  stream?: boolean
  store?: boolean
  include?: string[]
  prompt_cache_key?: string
  max_output_tokens?: number | null
  temperature?: number | null
  top_p?: number | null
  service_tier?: string | null
  metadata?: Record<string, unknown>
  user?: string
  /**
   * Not a Responses API field: a Chat client's `stop` or a Messages client's `stop_sequences`,
   * carried to the chat and Anthropic upstreams that take them; Responses upstreams refuse it.
   */
  stop?: string[]
  [key: string]: unknown
}

export interface Usage {
  input_tokens: number
  input_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number }
  output_tokens: number
  output_tokens_details?: { reasoning_tokens?: number }
  total_tokens: number
}

export interface ResponseError {
  code: string
  message: string
}

export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed' | 'cancelled' | 'queued'

export interface ResponseObject {
  id: string
  object: 'response'
  created_at: number
  status: ResponseStatus
  model: string
  output: OutputItem[]
  usage?: Usage | null
  error?: ResponseError | null
  incomplete_details?: { reason: string } | null
  [key: string]: unknown
}

type ItemRef = { item_id: string; output_index: number }
type Sequenced = { sequence_number: number }

export type TerminalEventType = 'response.completed' | 'response.incomplete' | 'response.failed'

export type ResponseLifecycleEvent = { type: 'response.created' | 'response.in_progress'; response: ResponseObject } & Sequenced
export type ResponseTerminalEvent = { type: TerminalEventType; response: ResponseObject } & Sequenced
export type OutputItemEvent = { type: 'response.output_item.added' | 'response.output_item.done'; output_index: number; item: OutputItem } & Sequenced
/** A stored refusal replays as a refusal part (dialects/responses/replay.ts); live answers carry output_text. */
export type ContentPartEvent = { type: 'response.content_part.added' | 'response.content_part.done'; content_index: number; part: OutputText | Refusal } & ItemRef & Sequenced
export type OutputTextDeltaEvent = { type: 'response.output_text.delta'; content_index: number; delta: string; logprobs: unknown[] } & ItemRef & Sequenced
export type OutputTextDoneEvent = { type: 'response.output_text.done'; content_index: number; text: string; logprobs: unknown[] } & ItemRef & Sequenced
export type RefusalDeltaEvent = { type: 'response.refusal.delta'; content_index: number; delta: string } & ItemRef & Sequenced
export type RefusalDoneEvent = { type: 'response.refusal.done'; content_index: number; refusal: string } & ItemRef & Sequenced
export type ReasoningSummaryPartEvent = { type: 'response.reasoning_summary_part.added' | 'response.reasoning_summary_part.done'; summary_index: number; part: { type: 'summary_text'; text: string } } & ItemRef & Sequenced
export type ReasoningSummaryTextDeltaEvent = { type: 'response.reasoning_summary_text.delta'; summary_index: number; delta: string } & ItemRef & Sequenced
export type ReasoningSummaryTextDoneEvent = { type: 'response.reasoning_summary_text.done'; summary_index: number; text: string } & ItemRef & Sequenced
/** Raw reasoning (gpt-oss, open-weight servers); summaries are `reasoning_summary_*`. */
export type ReasoningTextDeltaEvent = { type: 'response.reasoning_text.delta'; content_index: number; delta: string } & ItemRef & Sequenced
export type ReasoningTextDoneEvent = { type: 'response.reasoning_text.done'; content_index: number; text: string } & ItemRef & Sequenced
export type FunctionCallArgumentsDeltaEvent = { type: 'response.function_call_arguments.delta'; delta: string } & ItemRef & Sequenced
export type FunctionCallArgumentsDoneEvent = { type: 'response.function_call_arguments.done'; arguments: string; name?: string } & ItemRef & Sequenced
export type CustomToolCallInputDeltaEvent = { type: 'response.custom_tool_call_input.delta'; delta: string } & ItemRef & Sequenced
export type CustomToolCallInputDoneEvent = { type: 'response.custom_tool_call_input.done'; input: string } & ItemRef & Sequenced
/** A source the answer's text cites: a url_citation is the one kind every dialect that cites by URL can say. */
export type UrlCitation = { type: 'url_citation'; url: string; title: string; start_index: number; end_index: number }
/** An annotation on an output_text part: a url_citation we build, or whatever a Responses upstream sent (file_citation, …). */
export type OutputTextAnnotationAddedEvent = { type: 'response.output_text.annotation.added'; content_index: number; annotation_index: number; annotation: UrlCitation | ({ type: string } & Record<string, unknown>) } & ItemRef & Sequenced

/**
 * Responses API events the proxy relays to Responses clients but never builds
 * or reads: hosted tools' progress, audio, `queued`. Their items
 * arrive whole in `output_item.done`, which is what every other dialect and
 * the aggregator use. The list is the API's own (openai SDK 6.x
 * `ResponseStreamEvent`); a type on none of our lists is skipped by the decoder.
 */
export const RELAYED_EVENT_TYPES = [
  'response.queued',
  'response.web_search_call.in_progress',
  'response.web_search_call.searching',
  'response.web_search_call.completed',
  'response.file_search_call.in_progress',
  'response.file_search_call.searching',
  'response.file_search_call.completed',
  'response.code_interpreter_call.in_progress',
  'response.code_interpreter_call.interpreting',
  'response.code_interpreter_call.completed',
  'response.code_interpreter_call_code.delta',
  'response.code_interpreter_call_code.done',
  'response.image_generation_call.in_progress',
  'response.image_generation_call.generating',
  'response.image_generation_call.partial_image',
  'response.image_generation_call.completed',
  'response.mcp_call.in_progress',
  'response.mcp_call.completed',
  'response.mcp_call.failed',
  'response.mcp_call_arguments.delta',
  'response.mcp_call_arguments.done',
  'response.mcp_list_tools.in_progress',
  'response.mcp_list_tools.completed',
  'response.mcp_list_tools.failed',
  'response.audio.delta',
  'response.audio.done',
  'response.audio.transcript.delta',
  'response.audio.transcript.done',
] as const

/** Closed on `type`; the other fields are the upstream's, passed on untouched. */
export type RelayedEvent = { type: (typeof RELAYED_EVENT_TYPES)[number]; [key: string]: unknown } & Sequenced

/** The events the proxy builds, reads and translates. */
export type CanonicalEvent =
  | ResponseLifecycleEvent
  | ResponseTerminalEvent
  | OutputItemEvent
  | ContentPartEvent
  | OutputTextDeltaEvent
  | OutputTextDoneEvent
  | RefusalDeltaEvent
  | RefusalDoneEvent
  | ReasoningSummaryPartEvent
  | ReasoningSummaryTextDeltaEvent
  | ReasoningSummaryTextDoneEvent
  | ReasoningTextDeltaEvent
  | ReasoningTextDoneEvent
  | FunctionCallArgumentsDeltaEvent
  | FunctionCallArgumentsDoneEvent
  | CustomToolCallInputDeltaEvent
  | CustomToolCallInputDoneEvent
  | OutputTextAnnotationAddedEvent

/**
 * Every event that passes between modules. Closed: a new type is a new
 * member here, and every switch over `type` ends in a `never` check, so the
 * typecheck lists the places that must decide what to do with it.
 */
export type ResponsesEvent = CanonicalEvent | RelayedEvent

/** An event as builders write it; the sequence number is stamped on emit. */
export type EventDraft = WithoutSequence<CanonicalEvent>
type WithoutSequence<E> = E extends unknown ? Omit<E, 'sequence_number'> : never

/** Every canonical type, at run time; `satisfies` keeps it equal to the union. */
const CANONICAL_EVENT_TYPES = {
  'response.created': true,
  'response.in_progress': true,
  'response.completed': true,
  'response.incomplete': true,
  'response.failed': true,
  'response.output_item.added': true,
  'response.output_item.done': true,
  'response.content_part.added': true,
  'response.content_part.done': true,
  'response.output_text.delta': true,
  'response.output_text.done': true,
  'response.refusal.delta': true,
  'response.refusal.done': true,
  'response.reasoning_summary_part.added': true,
  'response.reasoning_summary_part.done': true,
  'response.reasoning_summary_text.delta': true,
  'response.reasoning_summary_text.done': true,
  'response.reasoning_text.delta': true,
  'response.reasoning_text.done': true,
  'response.function_call_arguments.delta': true,
  'response.function_call_arguments.done': true,
  'response.custom_tool_call_input.delta': true,
  'response.custom_tool_call_input.done': true,
  'response.output_text.annotation.added': true,
} as const satisfies Record<CanonicalEvent['type'], true>

const RELAYED: ReadonlySet<string> = new Set(RELAYED_EVENT_TYPES)

/** True for a type the union has: decoders admit only these from the wire. */
export function isResponsesEventType(type: string): type is ResponsesEvent['type'] {
  return Object.hasOwn(CANONICAL_EVENT_TYPES, type) || RELAYED.has(type)
}

export function isRelayedEvent(event: ResponsesEvent): event is RelayedEvent {
  return RELAYED.has(event.type)
}

export const TERMINAL_EVENT_TYPES: ReadonlySet<string> = new Set<TerminalEventType>(['response.completed', 'response.incomplete', 'response.failed'])

export function isTerminalEvent(event: ResponsesEvent): event is ResponseTerminalEvent {
  return TERMINAL_EVENT_TYPES.has(event.type)
}
