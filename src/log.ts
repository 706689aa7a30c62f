import { createConsola, LogLevels, type ConsolaReporter, type LogType } from 'consola'
import { redactUrlsIn } from './redact.ts'

function levelFromEnv(): number {
  const name = process.env.CODEX_SHIM_LOG_LEVEL?.toLowerCase()
  if (name && name in LogLevels) return LogLevels[name as LogType]
  return LogLevels.info
}

/** The daemon writes to a log file: one plain line per entry, with its time. */
const fileReporter: ConsolaReporter = {
  log(entry) {
    const tag = entry.tag ? ` [${entry.tag}]` : ''
    const text = entry.args.map((arg) => (arg instanceof Error ? (arg.stack ?? arg.message) : String(arg))).join(' ')
    process.stdout.write(`${entry.date.toISOString()} ${entry.type.toUpperCase()}${tag} ${text}\n`)
  },
}

/** The one logger. Areas use `log.withTag('proxy')`. Never log bodies, keys or tokens. */
export const log = createConsola({
  level: levelFromEnv(),
  ...(process.env.CODEX_SHIM_DAEMON === '1' && { reporters: [fileReporter] }),
})

// A safety net for URLs that reach a message (an upstream error naming its
// base URL): userinfo and query values never reach the terminal or the log.
// Set before any `withTag`, which copies the reporters.
log.setReporters(
  log.options.reporters.map((reporter): ConsolaReporter => ({
    log: (entry, context) => reporter.log({ ...entry, args: entry.args.map((arg) => (typeof arg === 'string' ? redactUrlsIn(arg) : arg)) }, context),
  })),
)

export function setVerbose(verbose: boolean): void {
  if (verbose) log.level = LogLevels.debug
}
