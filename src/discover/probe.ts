import { messagesUrl } from '../providers/anthropic.ts'
import { readShortMessage } from './upstream-text.ts'
import { describeNetworkError } from '../errors.ts'
import { readBounded } from '../upstream/http.ts'
import type { Endpoint, ProbeResult } from './types.ts'

export interface ProbeTarget {
  baseUrl: string
  apiKey?: string
  /** Sent on every probe (OpenCode Go: one `x-opencode-session` for the whole refresh). */
  headers: Record<string, string>
  timeoutMs: number
  /** The whole run's signal: Ctrl-C aborts every probe in flight. */
  signal: AbortSignal
  fetch?: typeof fetch
}

/** The smallest request each wire accepts. Responses wants max_output_tokens ≥ 16 (OpenAI rejects less). */
function probeRequest(endpoint: Endpoint, model: string, target: ProbeTarget): { url: string; headers: Record<string, string>; body: unknown } {
  const common = { 'content-type': 'application/json', accept: 'application/json', 'user-agent': 'codex-shim', ...target.headers }
  const bearer: Record<string, string> = target.apiKey ? { authorization: `Bearer ${target.apiKey}` } : {}
  switch (endpoint) {
    case 'chat':
      return { url: `${target.baseUrl}/chat/completions`, headers: { ...common, ...bearer }, body: { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 } }
    case 'messages': {
      // Anthropic-style auth, as OpenCode Go and the anthropic provider use it.
      const auth: Record<string, string> = target.apiKey ? { 'x-api-key': target.apiKey } : {}
      return { url: messagesUrl(target.baseUrl), headers: { ...common, ...auth, 'anthropic-version': '2023-06-01' }, body: { model, messages: [{ role: 'user', content: 'hi' }], max_tokens: 1 } }
    }
    case 'responses':
      return { url: `${target.baseUrl}/responses`, headers: { ...common, ...bearer }, body: { model, input: 'hi', max_output_tokens: 16, store: false } }
    default: {
      const never: never = endpoint
      throw new Error(`unknown endpoint ${String(never)}`)
    }
  }
}

/**
 * One billed 1-token request. The status decides, and a 2xx must also be the
 * wire's answer (a catch-all server answers 200 to anything); a 4xx's message
 * is kept (short, key masked) for the report. Throws only when the run was aborted.
 */
export async function probeEndpoint(endpoint: Endpoint, model: string, target: ProbeTarget): Promise<ProbeResult> {
  const { url, headers, body } = probeRequest(endpoint, model, target)
  const timeout = AbortSignal.timeout(target.timeoutMs)
  let response: Response
  try {
    response = await (target.fetch ?? fetch)(url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.any([target.signal, timeout]), redirect: 'manual' })
  } catch (error) {
    if (target.signal.aborted) throw error
    if (timeout.aborted) return { kind: 'timeout', afterMs: target.timeoutMs }
    return { kind: 'unreachable', reason: describeNetworkError(error) }
  }
  if (response.ok) {
    // The first 64 KB (a 1-token answer is far smaller); a body cut short is judged by what came.
    const text = await readBounded(response).catch(() => '')
    if (isAnswerOf(endpoint, text)) return { kind: 'ok', status: response.status }
    return { kind: 'rejected', status: response.status, message: `answered ${response.status} with something that is not a ${endpoint} answer` }
  }
  const message = await readShortMessage(response, target.apiKey)
  if (response.status === 429 || response.status >= 500) return { kind: 'unavailable', status: response.status, message }
  return { kind: 'rejected', status: response.status, message }
}

/** Whether a 2xx body is the wire's answer: its JSON shape, or its event stream (a server that streams anyway). */
function isAnswerOf(endpoint: Endpoint, text: string): boolean {
  const head = text.trimStart()
  if (head.startsWith('data:') || head.startsWith('event:')) return true
  let json: Record<string, unknown>
  try {
    json = JSON.parse(text) as Record<string, unknown>
  } catch {
    return false
  }
  if (!json || typeof json !== 'object') return false
  switch (endpoint) {
    case 'chat':
      return Array.isArray(json.choices)
    case 'messages':
      return json.type === 'message' || Array.isArray(json.content)
    case 'responses':
      return json.object === 'response' || Array.isArray(json.output)
    default: {
      const never: never = endpoint
      return Boolean(never)
    }
  }
}

/** `chat 200`, `messages 400 ModelError: …`, `chat timed out`: for progress lines and the report. */
export function describeProbe(endpoint: Endpoint, result: ProbeResult): string {
  switch (result.kind) {
    case 'ok':
      return `${endpoint} ${result.status}`
    case 'rejected':
    case 'unavailable':
      return `${endpoint} ${result.status}${result.message ? ` ${result.message}` : ''}`
    case 'timeout':
      return `${endpoint} timed out`
    case 'unreachable':
      return `${endpoint} unreachable (${result.reason})`
    default: {
      const never: never = result
      return String(never)
    }
  }
}
