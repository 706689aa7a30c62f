import { compactionText } from './compaction.ts'
import type { ResponsesItem } from './types.ts'

/**
 * A conversation on its way to a Responses server (the ChatGPT backend, an
 * `openai-responses` upstream), without the items codex-shim made for other
 * providers, which such a server cannot read: OpenAI answers 400
 * `invalid_encrypted_content` for our encrypted content (an Anthropic model's
 * signed thinking, `codex-shim.anthropic.v1:…`) and 404 "Item with id 'rs_…' not
 * found" for a reasoning item that carries none when nothing is stored (a chat
 * model's reasoning text). That reasoning goes; a compaction of ours becomes the
 * user message it summarises. `stored`: the request is stored upstream, where a
 * reasoning item without encrypted content may be one of the server's own, found
 * there by its id, so it stays. The same array when nothing changes.
 */
export function withoutShimItems(input: ResponsesItem[], options: { stored: boolean }): ResponsesItem[] {
  // Copied only from the first item that changes: every Codex turn to the ChatGPT backend and every
  // openai-responses fast path comes through here, most with nothing to drop.
  let out: ResponsesItem[] | null = null
  for (let index = 0; index < input.length; index++) {
    const item = input[index]!
    const replaced = replacementOf(item, options.stored)
    if (replaced === null) out?.push(item)
    else (out ??= input.slice(0, index)).push(...replaced)
  }
  return out ?? input
}

/** What goes in an item's place, or null when it stays as it is. */
function replacementOf(item: ResponsesItem, stored: boolean): ResponsesItem[] | null {
  // Not an item, or no string where one belongs: the server's to refuse, passed on as sent.
  if (typeof item !== 'object' || item === null) return null
  const raw: unknown = (item as { encrypted_content?: unknown }).encrypted_content
  if (raw != null && typeof raw !== 'string') return null
  const encrypted = raw as string | null | undefined
  if (item.type === 'reasoning' && (encrypted ? encrypted.startsWith('codex-shim.') : !stored)) return []
  if (item.type === 'compaction' && encrypted?.startsWith('codex-shim.')) {
    const text = compactionText(encrypted)
    return text ? [{ type: 'message', role: 'user', content: [{ type: 'input_text', text }] } as ResponsesItem] : []
  }
  return null
}
