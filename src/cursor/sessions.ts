import { sha256 } from '../sha256.ts'
import type { ResponsesItem, ResponsesRequest } from '../canonical/types.ts'
import { renderIncremental, renderPrompt, type PromptOptions } from './prompt.ts'

/**
 * cursor-agent keeps a chat's history itself (`--resume <chat id>`, spec
 * integrations §1.6), while Codex resends the whole conversation every turn.
 * When a turn's input extends the previous turn's input exactly, only the new
 * items are sent to the same chat. Anything else (compaction, an edited or
 * rewound history, other instructions, another model or workspace) starts a
 * fresh chat with the full conversation: a wrong resume would answer from
 * a history the client no longer has.
 */

export const DEFAULT_MAX_SESSIONS = 256

interface Entry {
  /** Items of the input the chat has seen. */
  count: number
  /** Hash of those items, the instructions, the model and the workspace. */
  hash: string
  chatId: string
}

export interface SessionScope {
  /** The client's conversation id (`thread-id` / `session-id` header); none: never resumed. */
  threadId: string | null
  /** The cursor-agent model id. */
  model: string
  workspace: string
}

export interface SessionPlan {
  prompt: string
  /** The chat to continue, or null for a fresh one. */
  resume: string | null
  /** After a successful run: remember its chat for the next turn. */
  commit(chatId: string): void
  /** After a failed run: the chat may hold half a turn, so the next one starts fresh. */
  forget(): void
}

/** Codex sends the thread id in both headers (spec codex-wire §b.1). */
export function threadIdFrom(headers: Headers): string | null {
  return headers.get('thread-id') || headers.get('session-id') || null
}

/** JSON with sorted keys: the same item hashes the same however its keys were ordered. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`
  if (value && typeof value === 'object') {
    const record = value as Record<string, unknown>
    return `{${Object.keys(record)
      .filter((key) => record[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson(record[key])}`)
      .join(',')}}`
  }
  return JSON.stringify(value) ?? 'null'
}

function prefixHash(items: ResponsesItem[], count: number, request: ResponsesRequest, scope: SessionScope): string {
  const hash = sha256()
  hash.update(stableJson([request.instructions ?? null, scope.model, scope.workspace]))
  for (let i = 0; i < count; i++) hash.update(`\n${stableJson(items[i])}`)
  return hash.digest('hex')
}

export class CursorSessions {
  /** Insertion order is recency: a hit is re-inserted, the first key is the oldest. */
  private readonly entries = new Map<string, Entry>()

  constructor(private readonly maxEntries = DEFAULT_MAX_SESSIONS) {}

  get size(): number {
    return this.entries.size
  }

  plan(request: ResponsesRequest, scope: SessionScope, options: PromptOptions = {}): SessionPlan {
    const items: ResponsesItem[] = typeof request.input === 'string' ? [{ type: 'message', role: 'user', content: request.input }] : request.input
    const threadId = scope.threadId
    const entry = threadId ? this.entries.get(threadId) : undefined
    const resumable = entry && items.length > entry.count && prefixHash(items, entry.count, request, scope) === entry.hash
    const commit = (chatId: string) => {
      if (!threadId || !chatId) return
      this.entries.delete(threadId)
      this.entries.set(threadId, { count: items.length, hash: prefixHash(items, items.length, request, scope), chatId })
      while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!)
    }
    const forget = () => {
      if (threadId) this.entries.delete(threadId)
    }
    if (resumable) return { prompt: renderIncremental(entry.count, request, options), resume: entry.chatId, commit, forget }
    return { prompt: renderPrompt(request, options), resume: null, commit, forget }
  }
}
