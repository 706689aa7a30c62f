import type { FileSink } from 'bun'
import type { ConsolaReporter } from 'consola/core'
import { redactUrlsIn } from './redact.ts'

// Start-up cost, measured in the compiled binary: the full `consola` entry loads node:tty and
// node:util, and touching `process.stdout` builds a tty stream (~25 ms and ~10 MiB of RSS
// before the proxy can answer); even consola's core, loaded and made into a logger, took ~0.7 ms
// of a 14 ms start. So the proxy's logger is this small one, with consola's levels, types, tags
// and line layout, writing plain lines to the file descriptors; the CLI hands its lines to
// consola's own reporter, for commands and for a proxy a terminal watches (`useConsolaReporter`).

/** consola's levels for its log types: a line is written when its type's level is at most the logger's. */
export const LOG_LEVELS = { silent: Number.NEGATIVE_INFINITY, fatal: 0, error: 0, warn: 1, log: 2, info: 3, success: 3, fail: 3, ready: 3, start: 3, box: 3, debug: 4, trace: 5, verbose: Number.POSITIVE_INFINITY } as const

function levelFromEnv(): number {
  const name = process.env.CODEX_SHIM_LOG_LEVEL?.toLowerCase()
  if (name && Object.hasOwn(LOG_LEVELS, name)) return LOG_LEVELS[name as keyof typeof LOG_LEVELS]
  return LOG_LEVELS.info
}

/** One line to write, in the shape consola's reporters read. */
export interface LogEntry {
  date: Date
  type: 'error' | 'warn' | 'info' | 'success' | 'debug'
  level: number
  tag: string
  args: unknown[]
}

const isDaemon = () => process.env.CODEX_SHIM_DAEMON === '1'

/** Whether a descriptor is a terminal, without building `process.stdout` (Bun answers `tty_wrap` natively). */
export function isTerminal(fd: 1 | 2): boolean {
  try {
    return Boolean((process as unknown as { binding: (name: string) => { isTTY: (fd: number) => boolean } }).binding('tty_wrap').isTTY(fd))
  } catch {
    return Boolean((fd === 1 ? process.stdout : process.stderr).isTTY)
  }
}

// Lines go through Bun's own file sinks rather than node:fs's writeSync: importing node:fs costs
// the proxy's start ~2 ms in the compiled binary, a sink ~0.2 ms. Flushed per line, a sink writes
// at once to a file or a terminal; on a full non-blocking pipe it keeps the rest, in order, until
// the pipe drains.
const sinks: { 1?: FileSink; 2?: FileSink } = {}

/** Writes a whole line to fd 1 or 2. */
function writeLine(fd: 1 | 2, line: string): void {
  try {
    const sink = (sinks[fd] ??= (fd === 1 ? Bun.stdout : Bun.stderr).writer())
    sink.write(line)
    const flushed = sink.flush()
    if (flushed instanceof Promise) flushed.catch(dropLine)
  } catch {
    dropLine()
  }
}

/** The reader went away (EPIPE: `… | head`): the line has nowhere to go, and logging never stops the proxy. */
function dropLine(): void {}

function formatArg(arg: unknown): string {
  if (typeof arg === 'string') return arg
  if (arg instanceof Error) return arg.stack ?? arg.message
  return Bun.inspect(arg)
}

// Loops rather than map/filter/join here: the daemon writes a line before its first answer, and the
// first use of each array method costs a process ~0.05–0.1 ms (JavaScriptCore compiles it then).
function text(entry: LogEntry): string {
  let line = ''
  for (let index = 0; index < entry.args.length; index++) line += (index ? ' ' : '') + formatArg(entry.args[index])
  return line
}

/** The daemon writes to a log file: one plain line per entry, with its time. */
function fileLine(entry: LogEntry): void {
  const tag = entry.tag ? ` [${entry.tag}]` : ''
  writeLine(1, `${entry.date.toISOString()} ${entry.type.toUpperCase()}${tag} ${text(entry)}\n`)
}

/**
 * Pipes, files, CI and tests: consola's basic layout (`[warn] [proxy] message`),
 * errors and warnings on stderr, the rest on stdout.
 */
function plainLine(entry: LogEntry): void {
  const message = text(entry)
  writeLine(entry.level < 2 || stdoutIsData ? 2 : 1, `[${entry.type}]${entry.tag ? ` [${entry.tag}]` : ''}${message ? ` ${message}` : ''}\n`)
}

// Where every logger's lines go; the CLI may switch it to consola's reporter.
let current: (entry: LogEntry) => void = isDaemon() ? fileLine : plainLine
let consolaReporter = false
// Set by `keepStdoutForData`: a command's stdout is its machine-readable answer (`--json`).
let stdoutIsData = false
// The streams consola's reporter writes to (its info and debug lines go to `stdout`).
let consolaStreams: { stdout: NodeJS.WriteStream; stderr: NodeJS.WriteStream } | null = null

function report(entry: LogEntry): void {
  // A safety net for URLs that reach a message (an upstream error naming its
  // base URL): userinfo and query values never reach the terminal or the log.
  const args = entry.args
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]
    if (typeof arg === 'string') args[index] = redactUrlsIn(arg)
    else if (arg instanceof Error) args[index] = redactedError(arg)
  }
  current(entry)
}

/** An error as logged (message and stack): a copy with the same masking, the caller's own left as it is. */
function redactedError(error: Error): Error {
  const copy = new Error(redactUrlsIn(error.message))
  copy.name = error.name
  copy.stack = error.stack === undefined ? undefined : redactUrlsIn(error.stack)
  return copy
}

/** What code that logs needs of a logger; consola's own instances (tests use them) are ones too. */
export interface Log {
  level: number
  error(...args: unknown[]): void
  warn(...args: unknown[]): void
  info(...args: unknown[]): void
  success(...args: unknown[]): void
  debug(...args: unknown[]): void
  /** A logger whose lines carry this tag (after its own: `proxy:router`, as consola nests them). */
  withTag(tag: string): Log
  /** A logger with its own level. */
  create(options: { level?: number }): Log
}

/**
 * consola's `{ message, tag }` log-object form of a single argument (not an
 * Error, which has a stack): its fields become the line's.
 */
function isLogObject(arg: unknown): arg is { message?: unknown; args?: unknown[]; tag?: string } {
  if (!arg || typeof arg !== 'object' || Object.getPrototypeOf(arg) !== Object.prototype) return false
  const candidate = arg as { message?: unknown; args?: unknown; stack?: unknown }
  return Boolean(candidate.message || candidate.args) && !candidate.stack
}

class Logger implements Log {
  constructor(
    public level: number,
    private readonly tag: string,
  ) {}

  error(...args: unknown[]): void {
    this.write('error', LOG_LEVELS.error, args)
  }
  warn(...args: unknown[]): void {
    this.write('warn', LOG_LEVELS.warn, args)
  }
  info(...args: unknown[]): void {
    this.write('info', LOG_LEVELS.info, args)
  }
  success(...args: unknown[]): void {
    this.write('success', LOG_LEVELS.success, args)
  }
  debug(...args: unknown[]): void {
    this.write('debug', LOG_LEVELS.debug, args)
  }
  withTag(tag: string): Log {
    return new Logger(this.level, this.tag ? `${this.tag}:${tag}` : tag)
  }
  create(options: { level?: number }): Log {
    return new Logger(options.level ?? this.level, '')
  }

  private write(type: LogEntry['type'], level: number, args: unknown[]): void {
    if (level > this.level) return
    const entry: LogEntry = { date: new Date(), type, level, tag: this.tag, args }
    if (args.length === 1 && isLogObject(args[0])) {
      const fields = args[0]
      entry.args = [...(fields.message === undefined ? [] : [fields.message]), ...(fields.args ?? [])]
      if (typeof fields.tag === 'string') entry.tag = fields.tag
    }
    report(entry)
  }
}

/** The one logger. Areas use `log.withTag('proxy')`. Never log bodies, keys or tokens. */
export const log: Log = new Logger(levelFromEnv(), '')

/**
 * consola's own reporter, as consola chooses it (fancy, or basic under CI and
 * tests), for output a person reads. The CLI calls it once the colour choice is
 * in the environment; `onlyForTerminal` keeps plain lines when no terminal is
 * attached (the proxy's own process). The daemon always writes its log lines.
 */
export async function useConsolaReporter(options: { onlyForTerminal?: boolean } = {}): Promise<void> {
  if (isDaemon() || consolaReporter) return
  if (options.onlyForTerminal && !isTerminal(1) && !isTerminal(2)) return
  const { createConsola } = await import('consola')
  const consola = createConsola()
  const reporter: ConsolaReporter | undefined = consola.options.reporters[0]
  if (!reporter) return
  // consola's reporters read the streams from the options, which its instance leaves unset.
  const context = { options: { ...consola.options, stdout: stdoutIsData ? process.stderr : process.stdout, stderr: process.stderr } }
  consolaStreams = context.options
  // A reader that went away (`codex-shim start | head -c 10`) fails the write, at once or as an
  // 'error' event: the line is dropped, as plainLine drops it, instead of a stack trace on stderr.
  current = (entry) => {
    try {
      reporter.log(entry as never, context)
    } catch {
      dropLine()
    }
  }
  process.stdout.on('error', dropLine)
  process.stderr.on('error', dropLine)
  consolaReporter = true
}

/**
 * Every log line goes to stderr from now on, whatever its level: the command's
 * stdout is JSON a program parses (`--json`), and an info or `--verbose` debug
 * line there would break it.
 */
export function keepStdoutForData(): void {
  stdoutIsData = true
  if (consolaStreams) consolaStreams.stdout = process.stderr
}

export function setVerbose(verbose: boolean): void {
  if (verbose) log.level = LOG_LEVELS.debug
}
