import type { FileSink } from 'bun'
import { createConsola, LogLevels, type ConsolaReporter, type LogObject, type LogType } from 'consola/core'
import { redactUrlsIn } from './redact.ts'

// Start-up cost, measured in the compiled binary: the full `consola` entry loads node:tty and
// node:util, and touching `process.stdout` builds a tty stream; together ~25 ms and ~10 MiB of
// RSS before the proxy can answer. So the logger is consola's core with plain line reporters
// that write to the file descriptors; the CLI switches to consola's own reporter for commands
// and for a proxy a terminal watches (`useConsolaReporter`).

function levelFromEnv(): number {
  const name = process.env.CODEX_SHIM_LOG_LEVEL?.toLowerCase()
  if (name && name in LogLevels) return LogLevels[name as LogType]
  return LogLevels.info
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
function text(entry: LogObject): string {
  let line = ''
  for (let index = 0; index < entry.args.length; index++) line += (index ? ' ' : '') + formatArg(entry.args[index])
  return line
}

/** The daemon writes to a log file: one plain line per entry, with its time. */
const fileReporter: ConsolaReporter = {
  log(entry) {
    const tag = entry.tag ? ` [${entry.tag}]` : ''
    writeLine(1, `${entry.date.toISOString()} ${entry.type.toUpperCase()}${tag} ${text(entry)}\n`)
  },
}

/**
 * Pipes, files, CI and tests: consola's basic layout (`[warn] [proxy] message`),
 * errors and warnings on stderr, the rest on stdout.
 */
const lineReporter: ConsolaReporter = {
  log(entry) {
    const message = text(entry)
    writeLine(entry.level < 2 ? 2 : 1, `[${entry.type}]${entry.tag ? ` [${entry.tag}]` : ''}${message ? ` ${message}` : ''}\n`)
  },
}

// One reporter object that every tagged logger copies; what it forwards to can change later.
let current: ConsolaReporter = isDaemon() ? fileReporter : lineReporter
let consolaReporter = false
const reporter: ConsolaReporter = {
  log(entry, context) {
    // A safety net for URLs that reach a message (an upstream error naming its
    // base URL): userinfo and query values never reach the terminal or the log.
    const args = entry.args.slice()
    for (let index = 0; index < args.length; index++) if (typeof args[index] === 'string') args[index] = redactUrlsIn(args[index])
    const redacted = { ...entry, args }
    // consola's reporters read the streams from the options, which core leaves unset.
    current.log(redacted, consolaReporter ? { options: { ...context.options, stdout: process.stdout, stderr: process.stderr } } : context)
  },
}

/** The one logger. Areas use `log.withTag('proxy')`. Never log bodies, keys or tokens. */
// No throttle: every request has its own line (and the throttle's per-call JSON.stringify and
// timer cost more than the line itself on the proxy's hot path).
export const log = createConsola({ level: levelFromEnv(), reporters: [reporter], throttle: 0 })

/**
 * consola's own reporter, as consola chooses it (fancy, or basic under CI and
 * tests), for output a person reads. The CLI calls it once the colour choice is
 * in the environment; `onlyForTerminal` keeps plain lines when no terminal is
 * attached (the proxy's own process). The daemon always writes its log lines.
 */
export async function useConsolaReporter(options: { onlyForTerminal?: boolean } = {}): Promise<void> {
  if (isDaemon() || consolaReporter) return
  if (options.onlyForTerminal && !isTerminal(1) && !isTerminal(2)) return
  const { createConsola: createFullConsola } = await import('consola')
  current = createFullConsola().options.reporters[0] ?? current
  consolaReporter = true
}

export function setVerbose(verbose: boolean): void {
  if (verbose) log.level = LogLevels.debug
}
