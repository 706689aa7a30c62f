/**
 * The summary a translated `/responses/compact` produces travels in an opaque
 * `compaction` item's `encrypted_content`, marked so later requests can
 * expand it again for upstreams that have no server-side compaction.
 */
const SUMMARY_MARKER = 'codex-shim.summary.v1:'

/** Summary text → the compaction item's content. */
export function encodeSummary(summary: string): string {
  const bytes = new TextEncoder().encode(summary)
  let binary = ''
  for (const byte of bytes) binary += String.fromCharCode(byte)
  return `${SUMMARY_MARKER}${btoa(binary)}`
}

/**
 * A compaction item we produced carries its summary; this is the text that
 * stands in for it upstream. Others (a real backend's) are opaque: null.
 */
export function compactionText(encrypted: string | undefined): string | null {
  if (!encrypted?.startsWith(SUMMARY_MARKER)) return null
  try {
    const summary = new TextDecoder().decode(Uint8Array.from(atob(encrypted.slice(SUMMARY_MARKER.length)), (c) => c.charCodeAt(0)))
    return `Summary of the conversation so far:\n${summary}`
  } catch {
    return null
  }
}
