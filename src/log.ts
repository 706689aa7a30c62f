import { createConsola, LogLevels, type LogType } from 'consola'

function levelFromEnv(): number {
  const name = process.env.CODEX_SHIM_LOG_LEVEL?.toLowerCase()
  if (name && name in LogLevels) return LogLevels[name as LogType]
  return LogLevels.info
}

/** The one logger. Areas use `log.withTag('proxy')`. Never log bodies, keys or tokens. */
export const log = createConsola({
  level: levelFromEnv(),
  // The daemon writes to a log file: every line needs its time.
  formatOptions: { date: process.env.CODEX_SHIM_DAEMON === '1', colors: process.stdout.isTTY ?? false },
})

export function setVerbose(verbose: boolean): void {
  if (verbose) log.level = LogLevels.debug
}
