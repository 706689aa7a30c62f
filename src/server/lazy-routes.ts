import type { RouteHandler } from './context.ts'

// Start-up loads only what `/health` needs. A route's module (its dialect, the providers
// behind it, the control page, the stored-response API) loads on the first request that
// reaches it and stays loaded. The binary is built with `splitting`, so each of these is
// its own chunk: what no request reaches is never read from the executable, nor mapped.

/** Loads once, on the first call; a failed load is retried by the next call, not cached. */
export function once<T>(load: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined
  return () =>
    (pending ??= load().catch((error: unknown) => {
      pending = undefined
      throw error
    }))
}

/** A route whose handler is imported on its first request: `lazyRoute(() => import('./routes/x.ts').then((m) => m.x))`. */
export function lazyRoute(load: () => Promise<RouteHandler>): RouteHandler {
  // Once loaded, the handler is called directly: no promise or await per request.
  let ready: RouteHandler | undefined
  const handler = once(async () => (ready = await load()))
  return (context) => (ready ? ready(context) : handler().then((loaded) => loaded(context)))
}
