import { clientClosed, describeMs, ShimError } from '../errors.ts'
import { cursorChildEnv } from './child-env.ts'
import { classifyCursorExit, CLIENT_CLOSED } from './errors.ts'
import { onShutdown } from '../shutdown.ts'

export const DEFAULT_MAX_RUN_MS = 30 * 60_000
export const DEFAULT_KILL_GRACE_MS = 3000
/** At shutdown there is no time for the usual grace: the daemon's own stop waits 5 s before SIGKILL. */
const SHUTDOWN_GRACE_MS = 1000
/** stderr kept for the error message: its tail, where the reason is. */
const STDERR_KEEP_BYTES = 64 * 1024
/**
 * After the process has exited, how long a pipe may stay silent before we stop reading it. A
 * tool it started (a dev server, a `sleep`) inherits stdout and stderr and can hold them open
 * for ever; what the process itself wrote is already in the pipe and reads at once.
 */
export const DEFAULT_PIPE_DRAIN_MS = 1000
/**
 * How long a run may go on once its reader let go of stdout (the answer is complete): it may be
 * saving its chat. Past this it is killed, since it still holds a concurrency slot.
 */
export const DEFAULT_LINGER_MS = 10_000

export interface CursorSpawnOptions {
  bin: string
  /** The directory cursor-agent works in (and its cwd). */
  workspace: string
  /** The cursor-agent model id (`composer-2.5`), not the client's slug. */
  model: string
  /** Written to stdin, never to argv or a log. */
  prompt: string
  /** A chat id from an earlier run: continue it. */
  resume?: string | null
  /** Aborts when the client goes away: the process group is killed. */
  signal?: AbortSignal
  /** Wall-clock limit for the whole run (`CODEX_SHIM_CURSOR_MAX_RUN_MS`). */
  maxRunMs?: number
  /**
   * Limit for the first stdout bytes (`CODEX_SHIM_IDLE_TIMEOUT_MS`; 0 or absent: none). Its
   * `system/init` line comes first, before any tool can run (spec integrations §1.5), so
   * silence here is a stuck start, not work.
   */
  startTimeoutMs?: number
  killGraceMs?: number
  /** Tests: how long a pipe may stay silent after the exit (DEFAULT_PIPE_DRAIN_MS). */
  pipeDrainMs?: number
  /** Tests: how long the run may go on after stdout was cancelled (DEFAULT_LINGER_MS). */
  lingerMs?: number
  env?: Record<string, string | undefined>
  /** Pass an exported CURSOR_API_KEY through (off: the login subscription wins). */
  allowApiKey?: boolean
  /** More variables to keep from the child (the keys the settings name). */
  withheldEnv?: readonly string[]
}

export interface CursorProcess {
  pid: number
  /**
   * The NDJSON stream. It ends only after the process has exited and stderr
   * is drained (or given up on: a leftover tool may hold either pipe), so
   * `exitError()` is settled when a reader sees the end.
   * Cancelling it stops the reading, not the run: the process gets `lingerMs`
   * to exit by itself, then is killed. A client that went away is `kill()`
   * (or the signal), and comes first.
   */
  stdout: ReadableStream<Uint8Array>
  /**
   * Resolves at the first stdout bytes (null: the run started), or, when the
   * process exits without writing any, with its error (auth, bad model).
   * Lets a provider answer with a real HTTP status before streaming.
   */
  started: Promise<ShimError | null>
  /** The process's exit code (null after a signal), once stderr is drained or given up on. */
  exited: Promise<number | null>
  /** The tail of stderr so far (bounded). */
  stderr(): string
  /** After exit: null for success, else the typed error (stderr classified, prompt kept out). */
  exitError(): ShimError | null
  /** Why we killed it, if we did. */
  readonly killedBecause: string | null
  /** SIGTERM to the process group, SIGKILL after a grace period. */
  kill(reason: string): void
}

/** The argv; the prompt is not in it (it goes to stdin). */
export function cursorArgs(options: Pick<CursorSpawnOptions, 'workspace' | 'model' | 'resume'>): string[] {
  const args = ['--print', '--output-format', 'stream-json', '--stream-partial-output', '--force', '--trust', '--workspace', options.workspace, '--model', options.model]
  if (options.resume) args.push('--resume', options.resume)
  return args
}

function killGroup(pid: number, signal: NodeJS.Signals, fallback: () => void): void {
  try {
    // Detached children lead their own process group: `-pid` reaches the shells and tools they started.
    process.kill(-pid, signal)
  } catch {
    try {
      fallback()
    } catch {
      // already gone
    }
  }
}

/**
 * Gives up on a pipe that stays silent `drainMs` after the process exited (only while a read
 * waits: a consumer slow to read loses nothing). `giveUp` cancels the reader, which ends the
 * pending read.
 */
function drainWatch(drainMs: number, giveUp: () => void) {
  let waiting = false
  let exited = false
  let timer: ReturnType<typeof setTimeout> | undefined
  const arm = () => {
    clearTimeout(timer)
    timer = setTimeout(giveUp, drainMs)
  }
  return {
    reading() {
      waiting = true
      if (exited) arm()
    },
    read() {
      waiting = false
      clearTimeout(timer)
    },
    processExited() {
      exited = true
      if (waiting) arm()
    },
  }
}

/**
 * Runs one `cursor-agent --print` turn (spec integrations §1.7 flags) in its
 * own process group, prompt on stdin. The run is killed when the client
 * aborts, when it outlives `maxRunMs`, and when it lingers `lingerMs` after
 * its reader let go.
 */
export function spawnCursorAgent(options: CursorSpawnOptions): CursorProcess {
  const maxRunMs = options.maxRunMs ?? DEFAULT_MAX_RUN_MS
  const graceMs = options.killGraceMs ?? DEFAULT_KILL_GRACE_MS
  const lingerMs = options.lingerMs ?? DEFAULT_LINGER_MS
  if (options.signal?.aborted) throw clientClosed()
  const child = Bun.spawn([options.bin, ...cursorArgs(options)], {
    cwd: options.workspace,
    env: cursorChildEnv(options.env, { allowApiKey: options.allowApiKey, withheld: options.withheldEnv }),
    stdin: new TextEncoder().encode(options.prompt),
    stdout: 'pipe',
    stderr: 'pipe',
    detached: process.platform !== 'win32',
  })
  const pid = child.pid
  let killedBecause: string | null = null
  let exitCode: number | null | undefined
  let stderrText = ''

  const drainMs = options.pipeDrainMs ?? DEFAULT_PIPE_DRAIN_MS
  const stderrReader = (child.stderr as ReadableStream<Uint8Array>).getReader()
  const stderrDone = (async () => {
    const decoder = new TextDecoder()
    try {
      for (;;) {
        const { done, value } = await stderrReader.read()
        if (done) return
        stderrText += decoder.decode(value, { stream: true })
        if (stderrText.length > STDERR_KEEP_BYTES) stderrText = stderrText.slice(-STDERR_KEEP_BYTES)
      }
    } catch {
      // a killed child's pipe may error; what we have is enough
    }
  })()

  let graceTimer: ReturnType<typeof setTimeout> | undefined
  function kill(reason: string): void {
    if (exitCode !== undefined) return
    killedBecause ??= reason
    killGroup(pid, 'SIGTERM', () => child.kill('SIGTERM'))
    graceTimer ??= setTimeout(() => killGroup(pid, 'SIGKILL', () => child.kill('SIGKILL')), graceMs)
  }

  const onAbort = () => kill(CLIENT_CLOSED)
  // Stopping the proxy must not leave the run behind: SIGTERM, a moment, then SIGKILL, before the exit.
  const forget = onShutdown(async () => {
    kill('codex-shim is stopping')
    await Promise.race([exited, Bun.sleep(SHUTDOWN_GRACE_MS)])
    // The group too, leader gone or not: its 3 s SIGKILL is a timer the exit would cancel.
    killGroup(pid, 'SIGKILL', () => child.kill('SIGKILL'))
  })
  options.signal?.addEventListener('abort', onAbort, { once: true })
  const runTimer = setTimeout(() => kill(`it ran longer than ${describeMs(maxRunMs)} (CODEX_SHIM_CURSOR_MAX_RUN_MS)`), maxRunMs)

  const exited = child.exited.then(async (code) => {
    clearTimeout(runTimer)
    forget()
    options.signal?.removeEventListener('abort', onAbort)
    stdoutWatch.processExited()
    // After a kill the grace timer stays armed: a group member that ignored SIGTERM still gets SIGKILL.
    // stderr is read as it comes, so its last words are in within the drain time; a leftover may hold it for ever.
    const drainTimer = setTimeout(() => void stderrReader.cancel().catch(() => {}), drainMs)
    await stderrDone
    clearTimeout(drainTimer)
    exitCode = child.signalCode ? null : code
    return exitCode
  })

  const exitError = (): ShimError | null => (exitCode === undefined ? null : classifyCursorExit({ exitCode, stderr: stderrText, model: options.model, killedBecause, prompt: options.prompt }))

  const reader = (child.stdout as ReadableStream<Uint8Array>).getReader()
  const stdoutWatch = drainWatch(drainMs, () => void reader.cancel().catch(() => {}))
  const read = async (): ReturnType<typeof reader.read> => {
    stdoutWatch.reading()
    try {
      return await reader.read()
    } finally {
      stdoutWatch.read()
    }
  }
  let first: ReturnType<typeof read> | null = read()
  const startMs = options.startTimeoutMs ?? 0
  const startTimer = startMs > 0 ? setTimeout(() => kill(`it wrote nothing in its first ${describeMs(startMs)} (CODEX_SHIM_IDLE_TIMEOUT_MS); run \`cursor-agent status\` in a terminal to see why`), startMs) : undefined
  void first.finally(() => clearTimeout(startTimer)).catch(() => {})
  const started = first.then(
    async (result) => {
      if (!result.done) return null
      await exited
      return exitError() ?? new ShimError('upstream_stream', 'cursor-agent exited without any output.')
    },
    async () => {
      await exited
      return exitError()
    },
  )

  const stdout = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const pending = first ?? read()
        first = null
        const result = await pending.catch(() => ({ done: true, value: undefined }) as const)
        if (!result.done) return controller.enqueue(result.value)
        await exited
        controller.close()
      },
      cancel(reason) {
        // The reader is done with the answer (its terminal event, or a client that left, which
        // killed the run already): a later disconnect is no reason to kill it.
        options.signal?.removeEventListener('abort', onAbort)
        if (exitCode === undefined && !killedBecause) {
          const linger = setTimeout(() => kill(`it was still running ${describeMs(lingerMs)} after its answer`), lingerMs)
          void child.exited.then(() => clearTimeout(linger))
        }
        return reader.cancel(reason).catch(() => {})
      },
    },
    { highWaterMark: 0 },
  )

  return {
    pid,
    stdout,
    started,
    exited,
    stderr: () => stderrText,
    exitError,
    get killedBecause() {
      return killedBecause
    },
    kill,
  }
}

/** A positive integer from the environment, or the default; anything else is a settings error. */
export function positiveIntFromEnv(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name]
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  if (!Number.isInteger(value) || value <= 0) {
    throw new ShimError('config', `${name} must be a positive whole number, not "${raw}". Fix it or unset it (default ${fallback}), then run \`codex-shim restart\`.`)
  }
  return value
}

export function maxRunMsFromEnv(env: Record<string, string | undefined> = process.env): number {
  return positiveIntFromEnv(env, 'CODEX_SHIM_CURSOR_MAX_RUN_MS', DEFAULT_MAX_RUN_MS)
}
