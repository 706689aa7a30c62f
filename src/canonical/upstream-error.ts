/** Reading the error bodies upstreams send, whatever their dialect. */

/**
 * Phrases upstreams use for an over-long prompt (OpenAI, DeepSeek, vLLM, Ollama, Gemini, OpenRouter;
 * Kimi's "exceeded model token limit"; Gemini's "input token count (…) exceeds the maximum number of
 * tokens"; Anthropic's "input length and `max_tokens` exceed context limit", where the input left no
 * room for the answer's cap).
 */
const CONTEXT_LENGTH = /context[_ ]length|context window|maximum context|too many tokens|prompt is too long|input is too long|reduce the length|exceeds the model'?s? (?:maximum|context)|exceeded model token limit|input token count.*exceeds the maximum|exceeds? context limit/i

export interface UpstreamErrorInfo {
  message: string
  code?: string
  type?: string
  /** The request field the upstream names (`input`, `previous_response_id`). */
  param?: string
}

/** Reads `{error:{message,code,type}}`, `{error:"…"}`, `{message}` or `{detail}`; falls back to text. */
export function readErrorBody(text: string): UpstreamErrorInfo {
  try {
    const parsed = JSON.parse(text) as unknown
    // Gemini's OpenAI endpoint wraps its error in an array: `[{"error":{…}}]`.
    const json = (Array.isArray(parsed) && parsed.length === 1 ? parsed[0] : parsed) as Record<string, unknown>
    const error = json.error
    if (error && typeof error === 'object') {
      const e = error as Record<string, unknown>
      return { message: withProviderReason(String(e.message ?? JSON.stringify(e)), e.metadata), code: e.code == null ? undefined : String(e.code), type: e.type == null ? undefined : String(e.type), ...(typeof e.param === 'string' && { param: e.param }) }
    }
    if (typeof error === 'string') return { message: error }
    if (typeof json.message === 'string') return { message: json.message, code: typeof json.code === 'string' ? json.code : undefined }
    if (typeof json.detail === 'string') return { message: json.detail }
  } catch {
    // not JSON
  }
  return { message: text.trim().slice(0, 500) || 'no error body' }
}

/**
 * OpenRouter's message for a provider's failure is "Provider returned error"; the provider's own words
 * (a rate limit, a too-long prompt) are in `error.metadata.raw`, its name in `provider_name`
 * (openrouter.ai/docs/api/errors). Without them the client cannot tell a wait from a dead key.
 */
function withProviderReason(message: string, metadata: unknown): string {
  if (!metadata || typeof metadata !== 'object') return message
  const { raw, provider_name: provider } = metadata as { raw?: unknown; provider_name?: unknown }
  const reason = typeof raw === 'string' ? raw.trim() : raw && typeof raw === 'object' ? JSON.stringify(raw) : ''
  if (!reason || message.includes(reason)) return message
  return `${message}${typeof provider === 'string' && provider ? ` (${provider})` : ''}: ${reason}`
}

export function isContextLengthError(info: UpstreamErrorInfo): boolean {
  return info.code === 'context_length_exceeded' || CONTEXT_LENGTH.test(info.message)
}
