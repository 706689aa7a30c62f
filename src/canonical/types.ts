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

export type ResponsesEvent =
  | { type: 'response.created' | 'response.in_progress'; sequence_number: number; response: ResponseObject }
  | { type: 'response.completed' | 'response.incomplete' | 'response.failed'; sequence_number: number; response: ResponseObject }
  | { type: 'response.output_item.added' | 'response.output_item.done'; sequence_number: number; output_index: number; item: OutputItem }
  | ({ type: 'response.content_part.added' | 'response.content_part.done'; sequence_number: number; content_index: number; part: OutputText } & ItemRef)
  | ({ type: 'response.output_text.delta'; sequence_number: number; content_index: number; delta: string; logprobs: unknown[] } & ItemRef)
  | ({ type: 'response.output_text.done'; sequence_number: number; content_index: number; text: string; logprobs: unknown[] } & ItemRef)
  | ({ type: 'response.reasoning_summary_part.added' | 'response.reasoning_summary_part.done'; sequence_number: number; summary_index: number; part: { type: 'summary_text'; text: string } } & ItemRef)
  | ({ type: 'response.reasoning_summary_text.delta'; sequence_number: number; summary_index: number; delta: string } & ItemRef)
  | ({ type: 'response.reasoning_summary_text.done'; sequence_number: number; summary_index: number; text: string } & ItemRef)
  | ({ type: 'response.function_call_arguments.delta'; sequence_number: number; delta: string } & ItemRef)
  | ({ type: 'response.function_call_arguments.done'; sequence_number: number; arguments: string; name?: string } & ItemRef)
  | ({ type: 'response.custom_tool_call_input.delta'; sequence_number: number; delta: string } & ItemRef)
  | ({ type: 'response.custom_tool_call_input.done'; sequence_number: number; input: string } & ItemRef)
  | { type: string; sequence_number?: number; [key: string]: unknown }

export const TERMINAL_EVENT_TYPES = new Set(['response.completed', 'response.incomplete', 'response.failed'])
