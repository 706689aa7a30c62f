import { createConsola, LogLevels, type ConsolaReporter, type LogType } from 'consola'

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

export function setVerbose(verbose: boolean): void {
  if (verbose) log.level = LogLevels.debug
}
