/**
 * Anthropic accepts tool_use ids (and tool_result.tool_use_id) matching `^[a-zA-Z0-9_-]+$` only; a
 * Chat upstream's may be anything (Kimi K2's are `functions.get_weather:0`). An id Anthropic would
 * take passes unchanged; any other becomes `MARK` + its UTF-8 bytes in base64url, whose alphabet is
 * exactly the allowed one. The mapping is reversible, so the id a Messages client sends back reaches
 * the upstream that made it as that upstream wrote it, and deterministic, so a tool_use and its
 * tool_result, mapped apart, stay paired.
 */
const VALID = /^[a-zA-Z0-9_-]+$/
// A valid id that starts with the mark is encoded too, so reading one back is never ambiguous.
const MARK = 'shim64_'

export function toMessagesToolId(id: string): string {
  if (VALID.test(id) && !id.startsWith(MARK)) return id
  const bytes = new TextEncoder().encode(id)
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return MARK + btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '')
}

/** The id as the upstream wrote it; one that is not ours (a client's own, a corrupted one) stays as it is. */
export function fromMessagesToolId(id: string): string {
  if (!id.startsWith(MARK)) return id
  const data = id.slice(MARK.length).replaceAll('-', '+').replaceAll('_', '/')
  try {
    const decoded = new TextDecoder('utf-8', { fatal: true }).decode(Uint8Array.from(atob(data), (c) => c.charCodeAt(0)))
    // Only what toMessagesToolId would have made: anything else was never ours to decode.
    return toMessagesToolId(decoded) === id ? decoded : id
  } catch {
    return id
  }
}
