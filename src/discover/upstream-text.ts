/**
 * Short, safe text from an upstream's error answer for the refresh report: the
 * error message (or type) only, one line, bounded, with the key and anything
 * key-shaped masked (OpenAI echoes part of a rejected key).
 */

const MAX_BODY_BYTES = 8_192
const MAX_MESSAGE_LENGTH = 120

export async function readShortMessage(response: Response, apiKey?: string): Promise<string> {
  let text = ''
  try {
    const reader = response.body?.getReader()
    if (reader) {
      const decoder = new TextDecoder()
      let bytes = 0
      while (bytes < MAX_BODY_BYTES) {
        const { done, value } = await reader.read()
        if (done) break
        bytes += value.byteLength
        text += decoder.decode(value, { stream: true })
      }
      await reader.cancel().catch(() => {})
    }
  } catch {
    // A body that breaks off still leaves the status, which is what counts.
  }
  return shortMessage(text, apiKey)
}

export function shortMessage(body: string, apiKey?: string): string {
  let message = body
  try {
    const json = JSON.parse(body) as unknown
    message = errorText(json) ?? body
  } catch {
    // Not JSON: an HTML error page or plain text.
    if (/^\s*</.test(body)) message = ''
  }
  let clean = message.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim()
  if (apiKey) clean = clean.split(apiKey).join('***')
  clean = clean.replace(/\b(sk|rk|pk)-[A-Za-z0-9_*.-]{6,}/g, '$1-***')
  return clean.length > MAX_MESSAGE_LENGTH ? `${clean.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : clean
}

/** `{error: {type, message}}` (OpenAI, Anthropic, OpenCode), `{error: "…"}` (Ollama), `{message}`, `{detail}`. */
function errorText(json: unknown): string | undefined {
  if (!isRecord(json)) return undefined
  const error = json.error
  if (typeof error === 'string') return error
  if (isRecord(error)) {
    const message = typeof error.message === 'string' ? error.message : undefined
    const type = typeof error.type === 'string' ? error.type : typeof error.code === 'string' ? error.code : undefined
    if (message && type && !message.includes(type)) return `${type}: ${message}`
    return message ?? type
  }
  if (typeof json.message === 'string') return json.message
  if (typeof json.detail === 'string') return json.detail
  return undefined
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
