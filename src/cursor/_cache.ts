/**
 * A value computed at most once per `ttlMs`; concurrent callers share the one
 * in flight. `peek()` answers without waiting (for `/health`, which must stay
 * fast): the last settled value, even a stale one, and starts a refresh when
 * it is missing or stale.
 */
export function cached<T>(load: () => Promise<T>, ttlMs: number, now: () => number = Date.now): { get(): Promise<T>; peek(): T | undefined; clear(): void } {
  let entry: { value: Promise<T>; at: number } | null = null
  let settled: { value: T } | null = null
  const get = () => {
    if (entry && now() - entry.at < ttlMs) return entry.value
    const value = load()
    const current = { value, at: now() }
    entry = current
    value.then(
      (result) => {
        if (entry === current) settled = { value: result }
      },
      () => {
        if (entry === current) entry = null
      },
    )
    return value
  }
  return {
    get,
    peek() {
      get().catch(() => {}) // a failed refresh keeps the last good value
      return settled?.value
    },
    clear() {
      entry = null
      settled = null
    },
  }
}
