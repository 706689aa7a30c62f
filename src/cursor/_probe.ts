import { cursorChildEnv } from './child-env.ts'

export interface ProbeResult {
  /** stdout and stderr together: cursor-agent prints status lines to either. */
  output: string
  exitCode: number | null
  timedOut: boolean
}

// How long the pipes may stay open once the child has exited or been killed: a process it left in
// the background can hold them for good, and its output is in by then.
const PIPE_GRACE_MS = 100

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
 * A short cursor-agent subcommand (`status`, `models`, `--help`) with a time
 * limit; never throws, and always returns: it waits for the child's exit (or
 * kills it at the limit), then for its pipes only briefly. Waiting for the
 * pipes to close, as it did, hung for good when cursor-agent left a process
 * in the background holding them, and every later probe hung behind it.
 */
export async function runCursorCommand(bin: string, args: string[], options: { timeoutMs: number; env?: Record<string, string | undefined>; allowApiKey?: boolean }): Promise<ProbeResult> {
  let child: ReturnType<typeof Bun.spawn>
  try {
    child = Bun.spawn([bin, ...args], { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe', env: cursorChildEnv(options.env, { allowApiKey: options.allowApiKey }) })
  } catch {
    return { output: '', exitCode: null, timedOut: false }
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
  return { output: `${stdout.text()}\n${stderr.text()}`.trim(), exitCode: timedOut ? null : child.exitCode, timedOut }
}
