import type { MessageItem, OutputItem, ResponsesItem, ResponsesRequest } from './types.ts'

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

const SUMMARY_PROMPT = [
  'Write a handoff note so another engineer can continue this task without the conversation above.',
  'Include: the goal and constraints the user gave, what has been done (files touched, commands run, results),',
  'what is left to do, and any facts or decisions that must not be lost. Be concise and concrete; no preamble.',
].join(' ')

/** The conversation as a list of items (a string input is one user message). */
export function historyOf(request: ResponsesRequest): ResponsesItem[] {
  return typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : (request.input ?? [])
}

/**
 * The request that asks the model for a summary of `history`: no tools (a summary is prose; a
 * model offered tools may call one instead), the client's instructions and reasoning kept.
 */
export function summaryRequest(request: ResponsesRequest, history: ResponsesItem[]): ResponsesRequest {
  return {
    model: request.model,
    instructions: request.instructions,
    input: [...history, { type: 'message', role: 'user', content: [{ type: 'input_text', text: SUMMARY_PROMPT }] }],
    tools: [],
    stream: true,
    reasoning: request.reasoning,
  }
}

/** The answer's text: the summary. */
export function summaryTextOf(output: readonly OutputItem[]): string {
  return output
    .filter((item): item is MessageItem => item.type === 'message')
    .flatMap((item) => (typeof item.content === 'string' ? [item.content] : item.content.map((part) => ('text' in part ? part.text : ''))))
    .join('')
    .trim()
}
