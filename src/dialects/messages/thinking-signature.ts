import type { MessagesRedactedThinkingBlock, MessagesThinkingBlock } from './api.ts'

/**
 * Anthropic thinking blocks travel to Codex inside a reasoning item's
 * `encrypted_content`, marked so their origin is known: only blobs with this
 * prefix are ever sent back as signed thinking. An OpenAI encrypted blob or a
 * chat model's plain reasoning (after a model switch mid-thread) never is, so
 * a switch cannot fail with an invalid-signature error. The thinking text is
 * kept inside too: the signature covers it byte for byte, whatever Codex does
 * with the summary it displays.
 */
const PREFIX = 'codex-shim.anthropic.v1:'

export type StoredThinking = MessagesThinkingBlock | MessagesRedactedThinkingBlock

function toBase64(text: string): string {
  const bytes = new TextEncoder().encode(text)
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

function fromBase64(data: string): string {
  return new TextDecoder().decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)))
}

export function encodeThinking(block: StoredThinking): string {
  return PREFIX + toBase64(JSON.stringify(block))
}

/** The block to send back, or null for reasoning that did not come from Anthropic. */
export function decodeThinking(encrypted: string | null | undefined): StoredThinking | null {
  if (!encrypted?.startsWith(PREFIX)) return null
  try {
    const block = JSON.parse(fromBase64(encrypted.slice(PREFIX.length))) as StoredThinking
    if (block.type === 'thinking' && typeof block.thinking === 'string' && typeof block.signature === 'string' && block.signature) return block
    if (block.type === 'redacted_thinking' && typeof block.data === 'string') return block
  } catch {
    // corrupted: treat as foreign
  }
  return null
}
