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

/**
 * The other way round: a Responses upstream's reasoning (OpenAI's encrypted
 * blob and its item id) reaching a Messages client rides in the thinking
 * block's signature, which Claude Code keeps as it is and sends back. Read
 * back, it becomes the reasoning item the upstream needs to carry its chain
 * of thought across tool calls. Marked like Anthropic's, so neither is ever
 * taken for the other.
 */
const RESPONSES_PREFIX = 'codex-shim.responses.v1:'

export interface CarriedReasoning {
  id?: string
  encrypted_content: string
}

export function encodeCarriedReasoning(reasoning: CarriedReasoning): string {
  return RESPONSES_PREFIX + toBase64(JSON.stringify(reasoning))
}

/** The reasoning a signature carries, or null for any other signature (Anthropic's, ours unsigned). */
export function decodeCarriedReasoning(signature: unknown): CarriedReasoning | null {
  if (typeof signature !== 'string' || !signature.startsWith(RESPONSES_PREFIX)) return null
  try {
    const carried = JSON.parse(fromBase64(signature.slice(RESPONSES_PREFIX.length))) as CarriedReasoning
    if (typeof carried.encrypted_content === 'string' && carried.encrypted_content && (carried.id === undefined || typeof carried.id === 'string')) return carried
  } catch {
    // corrupted: treat as unsigned
  }
  return null
}
