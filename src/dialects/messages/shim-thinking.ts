import { FOREIGN_SIGNATURE } from './to-canonical.ts'

/** What our signatures open with: a chat model's reasoning (unsigned) and a Responses model's carried reasoning. */
const SHIM_SIGNATURES = [FOREIGN_SIGNATURE, 'codex-shim.'] as const

type Block = { type?: unknown; signature?: unknown }
type Message = { role?: unknown; content?: unknown }

function madeByShim(block: unknown): boolean {
  const { type, signature } = (block ?? {}) as Block
  return type === 'thinking' && typeof signature === 'string' && SHIM_SIGNATURES.some((prefix) => signature.startsWith(prefix))
}

/**
 * A Messages body on its way to Anthropic itself (the fast path) without the thinking blocks
 * codex-shim made for other models. Claude Code keeps a conversation's thinking when the user
 * switches model (`/model`), and Anthropic refuses the whole request for a signature it did not
 * make ("Invalid `signature` in `thinking` block"), so every later turn would fail. Anthropic also
 * refuses thinking when the last assistant turn with tool calls does not open with thinking: then
 * this one turn goes without it, as the translated route does. The same object when nothing changes.
 */
export function withoutShimThinking(json: Record<string, unknown>): Record<string, unknown> {
  const messages = json.messages
  if (!Array.isArray(messages)) return json
  let changed: Message[] | null = null
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index] as Message
    const content = message?.role === 'assistant' && Array.isArray(message.content) ? (message.content as unknown[]) : null
    const kept = content?.some(madeByShim) ? content.filter((block) => !madeByShim(block)) : null
    // Thinking alone (an interrupted turn) has nothing left to send: the block stays, and Anthropic says why.
    if (kept?.length) (changed ??= messages.slice(0, index)).push({ ...message, content: kept })
    else changed?.push(message)
  }
  if (!changed) return json
  const { thinking, ...rest } = json
  const off = thinking !== undefined && (thinking as { type?: unknown })?.type !== 'disabled' && !lastToolTurnThinks(changed)
  return { ...(off ? rest : json), messages: changed }
}

function lastToolTurnThinks(messages: Message[]): boolean {
  const last = messages.findLast((message) => message?.role === 'assistant')
  const content = Array.isArray(last?.content) ? (last.content as Block[]) : null
  if (!content?.some((block) => block?.type === 'tool_use')) return true
  return content[0]?.type === 'thinking' || content[0]?.type === 'redacted_thinking'
}
