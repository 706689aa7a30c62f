import { ConfigEditError } from '../codex/config-block.ts'
import { ShimError } from '../errors.ts'
import { log, setVerbose } from '../log.ts'
import { SettingsError } from '../settings/load.ts'
import { UsageError } from './_args.ts'

/**
 * Wraps a command's body: known errors print one clear message and set the
 * exit code (2 for bad usage or settings, 1 otherwise); a stack only with
 * --verbose. citty would otherwise print a stack trace for any throw.
 */
export async function runGuarded(args: { verbose?: boolean }, body: () => Promise<number | void> | number | void): Promise<void> {
  setVerbose(Boolean(args.verbose))
  try {
    const code = await body()
    if (typeof code === 'number' && code !== 0) process.exit(code)
  } catch (error) {
    if (error instanceof SettingsError) {
      log.error(error.message)
      process.exit(2)
    }
    if (error instanceof UsageError) {
      log.error(error.message)
      process.exit(2)
    }
    if (error instanceof ShimError || error instanceof ConfigEditError) {
      log.error(error.message)
      if (args.verbose) log.debug(error.stack)
      process.exit(1)
    }
    log.error(error instanceof Error ? error.message : String(error))
    if (args.verbose && error instanceof Error) log.error(error.stack)
    process.exit(1)
  }
}
