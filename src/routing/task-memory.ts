import { sha256Hex } from '../sha256.ts'
import type { TaskText } from './classifier.ts'

/**
 * Keeps the router's decision for a whole task, so its tool round trips stay
 * on one model. A task is a thread up to its next user message: Codex names
 * the thread (`thread-id` / `session-id` headers, `prompt_cache_key`); other
 * clients are keyed by a hash of their first user message. A second, optional
 * table (`cache: true`) reuses a decision for an identical task text.
 * Both are bounded LRUs; only hashes are kept, never prompt text.
 */

const THREAD_HEADERS = ['thread-id', 'session-id', 'session_id', 'x-session-id'] as const

export function hashText(text: string): string {
  return sha256Hex(text).slice(0, 32)
}

/** The thread a request belongs to: the client's id for it, else a hash of its first user message. */
export function threadKey(headers: Headers, promptCacheKey: unknown, task: Pick<TaskText, 'first'>): string {
  for (const name of THREAD_HEADERS) {
    const value = headers.get(name)?.trim()
    if (value) return `thread:${value}`
  }
  if (typeof promptCacheKey === 'string' && promptCacheKey) return `thread:${promptCacheKey}`
  return `first:${hashText(task.first)}`
}

/**
 * The task: the thread, how many user messages it has so far, and the latest
 * one's words (a new user message is a new task). The words keep apart two
 * threads that began alike; a round trip of tool results repeats them, so it
 * stays the same task. Null when nothing tells tasks apart (no thread id and
 * no user message at all): such a request is classified on its own.
 */
export function taskKey(headers: Headers, promptCacheKey: unknown, task: Pick<TaskText, 'first' | 'userTurns' | 'task'>): string | null {
  const thread = threadKey(headers, promptCacheKey, task)
  if (!task.userTurns && thread.startsWith('first:')) return null
  return `${thread}#${task.userTurns}:${hashText(task.task).slice(0, 16)}`
}

/** The text cache's key: the same words (and image or not) get the same decision. */
export function textKey(task: Pick<TaskText, 'task' | 'context' | 'image'>): string {
  return hashText(`${task.image ? 'image' : 'text'}\n${task.context}\n${task.task}`)
}

/** A Map used as a least-recently-used cache of at most `limit` entries. */
export class LruMap<V> {
  private readonly entries = new Map<string, V>()
  constructor(readonly limit = 1_000) {}

  get(key: string): V | undefined {
    const value = this.entries.get(key)
    if (value === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, value)
    return value
  }

  set(key: string, value: V): void {
    this.entries.delete(key)
    this.entries.set(key, value)
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!)
  }

  delete(key: string): void {
    this.entries.delete(key)
  }

  get size(): number {
    return this.entries.size
  }
}

/** Decisions by task and, when caching, by task text; and the task's model by the answers it gave. */
export class TaskMemory<D> {
  readonly tasks: LruMap<Promise<D>>
  readonly texts: LruMap<D>

  /** The model chosen for the task each answer (by its response id) belongs to. */
  readonly answers: LruMap<string>

  constructor(limit = 1_000) {
    this.tasks = new LruMap(limit)
    this.texts = new LruMap(limit)
    this.answers = new LruMap(limit)
  }
}
