/** OpenAI Chat Completions wire types: what we send upstream and read back. */

export type ChatContentPart =
  | { type: 'text'; text: string }
  | { type: 'image_url'; image_url: { url: string; detail?: 'auto' | 'low' | 'high' } }
  | { type: 'file'; file: { file_data?: string; filename?: string } }

/** Gemini 3's signature on a tool call, which it needs back on that call (dialects/chat/thought-signature.ts). */
export interface ChatExtraContent {
  google?: { thought_signature?: string }
}

export interface ChatToolCall {
  id: string
  type: 'function'
  function: { name: string; arguments: string }
  extra_content?: ChatExtraContent
}

/** A custom (freeform) tool's call, as OpenAI writes it (the SDK's ChatCompletionMessageCustomToolCall). */
export interface ChatCustomToolCall {
  id: string
  type: 'custom'
  custom: { name: string; input: string }
}

export type ChatMessage =
  | { role: 'system' | 'developer'; content: string }
  | { role: 'user'; content: string | ChatContentPart[] }
  | { role: 'assistant'; content: string | null; tool_calls?: ChatToolCall[]; reasoning_content?: string }
  | { role: 'tool'; tool_call_id: string; content: string }

export interface ChatFunctionTool {
  type: 'function'
  function: { name: string; description?: string; parameters: Record<string, unknown>; strict?: boolean }
}

export type ChatToolChoice = 'auto' | 'none' | 'required' | { type: 'function'; function: { name: string } }

export interface ChatRequest {
  model: string
  messages: ChatMessage[]
  stream?: boolean
  stream_options?: { include_usage: boolean }
  tools?: ChatFunctionTool[]
  tool_choice?: ChatToolChoice
  parallel_tool_calls?: boolean
  max_tokens?: number
  max_completion_tokens?: number
  temperature?: number
  top_p?: number
  stop?: string[]
  reasoning_effort?: string
  verbosity?: string
  response_format?: { type: 'json_schema'; json_schema: { name: string; schema?: Record<string, unknown>; strict?: boolean; description?: string } } | { type: 'json_object' | 'text' }
  prompt_cache_key?: string
  service_tier?: string
  [key: string]: unknown
}

export interface ChatUsage {
  prompt_tokens?: number
  completion_tokens?: number
  total_tokens?: number
  prompt_tokens_details?: { cached_tokens?: number } | null
  completion_tokens_details?: { reasoning_tokens?: number } | null
  /** DeepSeek reports cache hits here instead of prompt_tokens_details. */
  prompt_cache_hit_tokens?: number
  /** Moonshot (Kimi) reports cache hits here, at the top level of usage. */
  cached_tokens?: number
}

export interface ChatChunkToolCall {
  index?: number
  id?: string
  type?: string
  function?: { name?: string; arguments?: string }
  extra_content?: ChatExtraContent | null
}

export interface ChatChunkChoice {
  index?: number
  delta?: {
    role?: string
    content?: string | null
    /** DeepSeek, Qwen, Kimi, vLLM. */
    reasoning_content?: string | null
    /** OpenRouter, Ollama, Groq. */
    reasoning?: string | null
    tool_calls?: ChatChunkToolCall[] | null
    refusal?: string | null
    /** url_citations (OpenAI's search models, OpenRouter's web plugin); OpenAI's SDK types omit them. */
    annotations?: unknown[] | null
  }
  finish_reason?: string | null
  /** Moonshot (Kimi) streams its usage on the finishing choice, not on the chunk. */
  usage?: ChatUsage | null
}

export interface ChatChunk {
  id?: string
  object?: string
  model?: string
  choices?: ChatChunkChoice[]
  usage?: ChatUsage | null
  error?: { message?: string; code?: string | number; type?: string } | string
}

export interface ChatCompletion {
  id?: string
  model?: string
  choices?: { index?: number; message?: { role?: string; content?: string | null; reasoning_content?: string | null; reasoning?: string | null; tool_calls?: (ChatToolCall | ChatCustomToolCall)[] | null; refusal?: string | null }; finish_reason?: string | null }[]
  usage?: ChatUsage | null
}

/** A chat answer's annotation: only url_citation is defined. */
export interface ChatAnnotation {
  type?: string
  url_citation?: { url?: string; title?: string; start_index?: number; end_index?: number }
}
