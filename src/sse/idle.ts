import { describeMs, ShimError } from '../errors.ts'

/** One read that fails with a clear timeout when the upstream stays silent (0 = wait forever). */
export async function withIdleTimeout<R>(read: () => Promise<R>, idleMs: number): Promise<R> {
  if (idleMs <= 0) return read()
  let timer: ReturnType<typeof setTimeout> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ShimError('upstream_timeout', `The upstream sent nothing for ${describeMs(idleMs)}; giving up on this response.`)), idleMs)
  })
  try {
    return await Promise.race([read(), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Any failure while reading an upstream body, as the ShimError the client will hear about. */
export function streamError(error: unknown): ShimError {
  if (error instanceof ShimError) return error
  const message = error instanceof Error ? error.message : String(error)
  return new ShimError('upstream_stream', `The upstream stream broke: ${message}`)
}
