/**
 * Counts the timers the code under test leaves pending: setTimeout is wrapped
 * while tracking, and a timer leaves the set when it fires or is cleared.
 */
export function trackTimers() {
  const live = new Set<unknown>()
  const originalSet = globalThis.setTimeout
  const originalClear = globalThis.clearTimeout
  globalThis.setTimeout = ((handler: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const id = originalSet(() => {
      live.delete(id)
      handler(...args)
    }, ms)
    live.add(id)
    return id
  }) as typeof setTimeout
  globalThis.clearTimeout = ((id: Parameters<typeof clearTimeout>[0]) => {
    live.delete(id)
    originalClear(id)
  }) as typeof clearTimeout
  return {
    get pending() {
      return live.size
    },
    restore() {
      globalThis.setTimeout = originalSet
      globalThis.clearTimeout = originalClear
    },
  }
}
