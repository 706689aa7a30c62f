import { sha256Hex } from '../sha256.ts'

/** Fields of Codex's `x-codex-turn-metadata` JSON header that name the task (spec/codex-wire.md §b.1). */
function turnMetadata(header: string | null): { thread?: string; turn?: string } {
  if (!header) return {}
  try {
    const parsed: unknown = JSON.parse(header)
    if (!parsed || typeof parsed !== 'object') return {}
    const record = parsed as Record<string, unknown>
    const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined)
    return { thread: text(record.thread_id) ?? text(record.session_id), turn: text(record.turn_id) }
  } catch {
    return {}
  }
}

const hash = (text: string) => sha256Hex(text).slice(0, 16)

/**
 * One key per Codex task: a truncated sha256 of the thread id and the turn id.
 * Codex sends the same thread and turn ids on every request of a turn (the
 * first call, each tool-result round and mid-turn compactions), so a tool loop
 * is one task; the next user turn is a new one. Without turn metadata the
 * thread alone is the key; clients that send no ids are grouped by a hash of
 * their first user message (the same across a tool loop). Only the hash is
 * kept: never the ids' source text or the message.
 */
export function taskKey(headers: Headers, firstUserText?: string): string | null {
  const metadata = turnMetadata(headers.get('x-codex-turn-metadata'))
  const thread = metadata.thread ?? headers.get('thread-id') ?? headers.get('session-id') ?? headers.get('session_id')
  if (thread) return hash(`codex\n${thread}\n${metadata.turn ?? ''}`)
  if (firstUserText) return hash(`text\n${firstUserText}`)
  return null
}
