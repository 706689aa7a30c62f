/** A value computed at most once per `ttlMs`; concurrent callers share the one in flight. */
export function cached<T>(load: () => Promise<T>, ttlMs: number, now: () => number = Date.now): { get(): Promise<T>; clear(): void } {
  let entry: { value: Promise<T>; at: number } | null = null
  return {
    get() {
      if (entry && now() - entry.at < ttlMs) return entry.value
      const value = load()
      const current = { value, at: now() }
      entry = current
      value.catch(() => {
        if (entry === current) entry = null
      })
      return value
    },
    clear() {
      entry = null
    },
  }
}
