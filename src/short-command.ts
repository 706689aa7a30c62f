// How long the pipes may stay open once the child has exited or been killed: a process it left in
// the background can hold them for good, and its output is in by then.
const PIPE_GRACE_MS = 100

export interface ShortCommandResult {
  stdout: string
  stderr: string
  /** Null when it was killed at the limit, or could not be started. */
  exitCode: number | null
  timedOut: boolean
}

/** A pipe read to the end, or until `cancel()`: what arrived by then is kept. */
function collect(stream: ReadableStream<Uint8Array>): { done: Promise<void>; cancel(): void; text(): string } {
  const reader = stream.getReader()
  const chunks: Uint8Array[] = []
  const done = (async () => {
    try {
      for (;;) {
        const { value, done: ended } = await reader.read()
        if (ended) return
        chunks.push(value)
      }
    } catch {
      // cancelled
    }
  })()
  return { done, cancel: () => void reader.cancel().catch(() => {}), text: () => Buffer.concat(chunks).toString('utf8') }
}

/**
 * A short command (`--help`, `--version`, a listing) run as an awaited child
 * with a time limit; never throws, and always returns: it waits for the
 * child's exit (or kills it at the limit), then for its pipes only briefly.
 * Waiting for the pipes to close hangs for good when the child leaves a
 * process in the background holding them (cursor-agent does; the npm `codex`
 * is a Node wrapper around the real binary), and every caller behind it too.
 */
export async function runShortCommand(command: string[], options: { timeoutMs: number; env: Record<string, string> }): Promise<ShortCommandResult> {
  let child: ReturnType<typeof Bun.spawn>
  try {
    child = Bun.spawn(command, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: options.env })
  } catch {
    return { stdout: '', stderr: '', exitCode: null, timedOut: false }
  }
  const stdout = collect(child.stdout as ReadableStream<Uint8Array>)
  const stderr = collect(child.stderr as ReadableStream<Uint8Array>)
  let timer: ReturnType<typeof setTimeout> | undefined
  const limit = new Promise<'limit'>((resolve) => (timer = setTimeout(() => resolve('limit'), options.timeoutMs)))
  const timedOut = (await Promise.race([child.exited.then(() => 'exited' as const), limit])) === 'limit'
  clearTimeout(timer)
  if (timedOut) child.kill('SIGKILL')
  let grace: ReturnType<typeof setTimeout> | undefined
  await Promise.race([Promise.all([stdout.done, stderr.done]), new Promise((resolve) => (grace = setTimeout(resolve, PIPE_GRACE_MS)))])
  clearTimeout(grace)
  stdout.cancel()
  stderr.cancel()
  return { stdout: stdout.text(), stderr: stderr.text(), exitCode: timedOut ? null : child.exitCode, timedOut }
}
