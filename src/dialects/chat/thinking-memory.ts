import type { OutputItem, ResponsesItem, ResponsesRequest } from '../../canonical/types.ts'
import { decodeThinking } from '../messages/thinking-signature.ts'

// Claude's thinking is signed, and with thinking on Anthropic refuses a tool loop's last assistant
// turn unless it opens with that signed block. A Chat client has nowhere to carry a signature (its
// `reasoning_content` is text), so every turn after a tool call went to Claude without thinking.
// The signed blocks of an answer that called tools are kept here, in memory only, by the calls'
// ids, and put back in front of that assistant turn when the client sends it again.

const MAX_TURNS = 2000
const KEPT_MS = 60 * 60 * 1000

interface Kept {
  reasoning: ResponsesItem[]
  at: number
}
const byCallId = new Map<string, Kept>()

const isSignedThinking = (item: { type?: unknown; encrypted_content?: unknown }): boolean => item.type === 'reasoning' && typeof item.encrypted_content === 'string' && decodeThinking(item.encrypted_content) !== null

/** Keeps an answer's signed thinking under the ids of its tool calls: one answer is one assistant turn. */
export function rememberThinking(output: readonly OutputItem[], now = Date.now()): void {
  const reasoning = output.filter((item) => isSignedThinking(item)) as ResponsesItem[]
  if (!reasoning.length) return
  for (const item of output) {
    if ((item.type !== 'function_call' && item.type !== 'custom_tool_call') || typeof item.call_id !== 'string') continue
    byCallId.delete(item.call_id)
    byCallId.set(item.call_id, { reasoning, at: now })
  }
  for (const oldest of byCallId.keys()) {
    if (byCallId.size <= MAX_TURNS) break
    byCallId.delete(oldest)
  }
}

/** Items the client's side says (a user's message, a tool's output): each ends an assistant turn. */
const endsAssistantTurn = (item: ResponsesItem): boolean => (item.type === 'message' || item.type === undefined ? (item as { role?: unknown }).role !== 'assistant' : item.type === 'function_call_output' || item.type === 'custom_tool_call_output')

/**
 * The request with the kept thinking in front of each assistant turn whose tool calls it came
 * with, unless the turn already opens with signed thinking. The same object when nothing is added.
 */
export function withRememberedThinking(request: ResponsesRequest, now = Date.now()): ResponsesRequest {
  if (!byCallId.size || !Array.isArray(request.input)) return request
  const input = request.input
  let out: ResponsesItem[] | null = null
  let turnStart = 0
  let turnHasThinking = false
  for (let index = 0; index < input.length; index++) {
    const item = input[index]!
    const ends = endsAssistantTurn(item)
    if (!ends && isSignedThinking(item as never)) turnHasThinking = true
    else if (!ends && (item.type === 'function_call' || item.type === 'custom_tool_call') && !turnHasThinking) {
      const kept = byCallId.get((item as { call_id: string }).call_id)
      if (kept && now - kept.at <= KEPT_MS) {
        out ??= input.slice(0, index)
        out.splice(turnStart, 0, ...kept.reasoning)
        turnHasThinking = true
      }
    }
    out?.push(item)
    if (ends) {
      // The next assistant turn starts after this item, wherever it sits in the result.
      turnStart = out ? out.length : index + 1
      turnHasThinking = false
    }
  }
  return out ? { ...request, input: out } : request
}

/** Tests: forget everything kept. */
export function forgetThinking(): void {
  byCallId.clear()
}
