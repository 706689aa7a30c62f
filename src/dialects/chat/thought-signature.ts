import type { ReasoningItem, ResponsesItem } from '../../canonical/types.ts'
import type { ChatChunkToolCall } from './api.ts'

/**
 * Gemini 3's OpenAI-compatible endpoint signs its tool calls: each streamed call may carry
 * `extra_content.google.thought_signature`, and the next request of the tool loop must send it back
 * on that same call or Google answers 400 "Function call is missing a thought_signature"
 * (https://ai.google.dev/gemini-api/docs/thought-signatures). A Responses function_call has no
 * field for it, so the signature rides to the client in a reasoning item of its own, whose
 * `encrypted_content` Codex and the SDKs send back unchanged; marked like the shim's other blobs,
 * so Responses upstreams never see it (canonical/shim-items.ts) and nothing else is taken for it.
 */
const PREFIX = 'codex-shim.gemini.v1:'

/**
 * What Google documents for a call Gemini did not sign (history from another model, a fallback or a
 * switch of model in the middle of a tool loop): without it, Gemini 3 refuses the turn's unsigned
 * calls with 400 "Function call is missing a thought_signature"; with it, the check is skipped.
 */
export const UNSIGNED_CALL_SIGNATURE = 'skip_thought_signature_validator'

interface CarriedSignature {
  /** The upstream model that signed: a signature goes back to it alone (other chat APIs reject the unknown field). */
  model: string
  call_id: string
  signature: string
}

/** The signature a streamed tool-call piece carries, if any. */
export function thoughtSignatureOf(piece: ChatChunkToolCall): string | undefined {
  const signature = piece.extra_content?.google?.thought_signature
  return typeof signature === 'string' && signature ? signature : undefined
}

export function encodeThoughtSignature(carried: CarriedSignature): string {
  const bytes = new TextEncoder().encode(JSON.stringify(carried))
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return PREFIX + btoa(binary)
}

function decodeThoughtSignature(encrypted: unknown): CarriedSignature | null {
  if (typeof encrypted !== 'string' || !encrypted.startsWith(PREFIX)) return null
  try {
    const carried = JSON.parse(new TextDecoder().decode(Uint8Array.from(atob(encrypted.slice(PREFIX.length)), (c) => c.charCodeAt(0)))) as CarriedSignature
    if (typeof carried.model === 'string' && typeof carried.call_id === 'string' && typeof carried.signature === 'string' && carried.signature) return carried
  } catch {
    // corrupted: nothing to send back
  }
  return null
}

/** The signatures `model` made for the calls in this history, by call id. */
export function thoughtSignaturesFor(items: readonly ResponsesItem[], model: string): Map<string, string> {
  const signatures = new Map<string, string>()
  for (const item of items) {
    if (typeof item !== 'object' || item === null || item.type !== 'reasoning') continue
    const carried = decodeThoughtSignature((item as ReasoningItem).encrypted_content)
    if (carried && carried.model === model) signatures.set(carried.call_id, carried.signature)
  }
  return signatures
}
