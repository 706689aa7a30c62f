/**
 * What must happen before the proxy exits on a signal, beyond closing its
 * server: processes of ours that would otherwise outlive it (a cursor-agent run
 * that ignores SIGTERM, whose SIGKILL was a timer the exit would cancel). The
 * code that owns them registers a hook; the daemon's signal handler
 * (daemon/foreground.ts) runs them all and waits for them a moment.
 */
type Hook = () => Promise<unknown> | unknown

const hooks = new Set<Hook>()

/** Registers `hook`; the returned function takes it back (the run ended by itself). */
export function onShutdown(hook: Hook): () => void {
  hooks.add(hook)
  return () => hooks.delete(hook)
}

/** Runs every hook at once, and settles when all have, or after `timeoutMs`. */
export async function runShutdownHooks(timeoutMs: number): Promise<void> {
  const running = [...hooks].map((hook) => Promise.resolve().then(hook).catch(() => {}))
  if (!running.length) return
  let timer: ReturnType<typeof setTimeout> | undefined
  await Promise.race([Promise.all(running), new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))])
  clearTimeout(timer)
}
