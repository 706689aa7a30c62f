/**
 * A value loaded at most once per `ttlMs`; concurrent callers share the load
 * in flight. Once there is an answer, callers never wait again: an old one is
 * answered at once while a fresh one loads behind it (cursor-agent takes
 * seconds to say its status or list its models, and a request or Codex's
 * model list would otherwise wait on it every `ttlMs`). A failed load keeps
 * the last answer; with none yet, the caller gets the failure and the next
 * call loads again. `peek()` answers without waiting at all (for `/health`):
 * undefined before the first answer.
 */
export function cached<T>(load: () => Promise<T>, ttlMs: number, now: () => number = Date.now): { get(): Promise<T>; peek(): T | undefined; clear(): void } {
  let settled: { value: T; at: number } | null = null
  let pending: Promise<T> | null = null
  // Bumped by clear(): a load begun before it must not fill the cache after it.
  let generation = 0
  const refresh = (): Promise<T> => {
    if (pending) return pending
    const started = now()
    const mine = generation
    const value = load()
    pending = value
    value.then(
      (result) => {
        if (mine !== generation) return
        settled = { value: result, at: started }
        pending = null
      },
      () => {
        if (mine === generation) pending = null
      },
    )
    return value
  }
  const get = (): Promise<T> => {
    if (!settled) return refresh()
    if (now() - settled.at >= ttlMs) refresh().catch(() => {})
    return Promise.resolve(settled.value)
  }
  return {
    get,
    peek() {
      get().catch(() => {})
      return settled?.value
    },
    clear() {
      generation++
      settled = null
      pending = null
    },
  }
}
