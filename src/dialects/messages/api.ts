/** Anthropic Messages wire types: what we send upstream and read back. */

export type CacheControl = { type: 'ephemeral' }

export const MESSAGES_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/gif', 'image/webp'] as const
export type MessagesImageSource = { type: 'base64'; media_type: (typeof MESSAGES_IMAGE_TYPES)[number]; data: string } | { type: 'url'; url: string }

export type MessagesTextBlock = { type: 'text'; text: string; cache_control?: CacheControl }
export type MessagesImageBlock = { type: 'image'; source: MessagesImageSource; cache_control?: CacheControl }
/** A PDF (base64 or a URL) or plain text given to the model as a document. */
export type MessagesDocumentBlock = {
  type: 'document'
  source: { type: 'base64'; media_type: 'application/pdf'; data: string } | { type: 'text'; media_type: 'text/plain'; data: string } | { type: 'url'; url: string }
  title?: string
  cache_control?: CacheControl
}
export type MessagesThinkingBlock = { type: 'thinking'; thinking: string; signature: string }
export type MessagesRedactedThinkingBlock = { type: 'redacted_thinking'; data: string }
export type MessagesToolUseBlock = { type: 'tool_use'; id: string; name: string; input: unknown; cache_control?: CacheControl }
export type MessagesToolResultBlock = {
  type: 'tool_result'
  tool_use_id: string
  content: string | (MessagesTextBlock | MessagesImageBlock | MessagesDocumentBlock)[]
  is_error?: boolean
  cache_control?: CacheControl
}

export type MessagesUserBlock = MessagesTextBlock | MessagesImageBlock | MessagesDocumentBlock | MessagesToolResultBlock
export type MessagesAssistantBlock = MessagesTextBlock | MessagesThinkingBlock | MessagesRedactedThinkingBlock | MessagesToolUseBlock

export type MessagesMessage =
  | { role: 'user'; content: MessagesUserBlock[] }
  | { role: 'assistant'; content: MessagesAssistantBlock[] }

export interface MessagesTool {
  name: string
  description?: string
  input_schema: { type: 'object'; [key: string]: unknown }
  cache_control?: CacheControl
}

export type MessagesToolChoice =
  | { type: 'auto'; disable_parallel_tool_use?: boolean }
  | { type: 'any'; disable_parallel_tool_use?: boolean }
  | { type: 'tool'; name: string; disable_parallel_tool_use?: boolean }
  | { type: 'none' }

export interface MessagesRequest {
  model: string
  max_tokens: number
  messages: MessagesMessage[]
  system?: MessagesTextBlock[]
  tools?: MessagesTool[]
  tool_choice?: MessagesToolChoice
  /** `adaptive` on the models that take nothing else (model-rules.ts): the effort then sets the depth. */
  thinking?: { type: 'enabled'; budget_tokens: number } | { type: 'adaptive' }
  output_config?: { effort: 'low' | 'medium' | 'high' | 'xhigh' | 'max' }
  temperature?: number
  top_p?: number
  stop_sequences?: string[]
  stream?: boolean
  metadata?: { user_id?: string }
}

export interface MessagesUsage {
  input_tokens?: number
  output_tokens?: number
  cache_read_input_tokens?: number | null
  cache_creation_input_tokens?: number | null
}

/** Stream events; unknown types are skipped by the decoder. */
export type MessagesStreamEvent =
  | { type: 'message_start'; message: { id?: string; model?: string; usage?: MessagesUsage } }
  | { type: 'content_block_start'; index: number; content_block: { type: string; [key: string]: unknown } }
  | { type: 'content_block_delta'; index: number; delta: { type: string; text?: string; thinking?: string; signature?: string; partial_json?: string } }
  | { type: 'content_block_stop'; index: number }
  | { type: 'message_delta'; delta: { stop_reason?: string | null }; usage?: MessagesUsage }
  | { type: 'message_stop' }
  | { type: 'ping' }
  | { type: 'error'; error: { type?: string; message?: string } }
