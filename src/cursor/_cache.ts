/**
 * A value loaded at most once per `ttlMs`; concurrent callers share the load
 * in flight. Once there is an answer, callers never wait again: an old one is
 * answered at once while a fresh one loads behind it (cursor-agent takes
 * seconds to say its status or list its models, and a request or Codex's
 * model list would otherwise wait on it every `ttlMs`). A failed load keeps
 * the last answer; with none yet, the caller gets the failure and the next
 * call loads again. A load still running after `ttlMs` no longer holds the
 * others back (cursor-agent can hang on a pipe a grandchild keeps open): the
 * next call starts another. `peek()` answers without waiting at all (for
 * `/health`): undefined before the first answer.
 */
export function cached<T>(load: () => Promise<T>, ttlMs: number, now: () => number = Date.now): { get(): Promise<T>; peek(): T | undefined; clear(): void } {
  let settled: { value: T; at: number } | null = null
  let pending: { value: Promise<T>; started: number } | null = null
  // Bumped by clear(): a load begun before it must not fill the cache after it.
  let generation = 0
  const refresh = (): Promise<T> => {
    if (pending && now() - pending.started < ttlMs) return pending.value
    const started = now()
    const mine = generation
    const value = load()
    const entry = { value, started }
    pending = entry
    value.then(
      (result) => {
        if (mine !== generation) return
        // A load that hung and came back late does not replace a newer answer.
        if (!settled || settled.at <= started) settled = { value: result, at: started }
        if (pending === entry) pending = null
      },
      () => {
        if (mine === generation && pending === entry) pending = null
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
