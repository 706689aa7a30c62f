import { resolve } from 'node:path'
import { UsageError } from '../commands/_args.ts'
import { log } from '../log.ts'
import { shimPaths } from '../paths.ts'
import { askYesNo } from './confirm.ts'
import { reportLines } from './report.ts'
import { DiscoveryInterrupted, ProbesDeclined, runDiscovery, type DiscoverySource } from './run.ts'
import type { Endpoint } from './types.ts'

/** Flags both `opencode-go refresh` and `discover` take. */
export const probeArgs = {
  'dry-run': { type: 'boolean', description: 'Probe and show the change to the settings file; write nothing' },
  yes: { type: 'boolean', alias: 'y', description: 'Probe without asking (needed when not on a terminal)' },
  concurrency: { type: 'string', description: 'Probes in flight at once (default 4; env CODEX_SHIM_PROBE_CONCURRENCY)', valueHint: 'N' },
  timeout: { type: 'string', description: 'Seconds to wait for each probe (default 20; env CODEX_SHIM_PROBE_TIMEOUT)', valueHint: 'SECONDS' },
} as const

const DEFAULT_CONCURRENCY = 4
const DEFAULT_TIMEOUT_SECONDS = 20

export function parsePrefer(value: string | undefined, allowed: readonly Endpoint[], fallback: Endpoint): Endpoint {
  if (value === undefined || value === '') return fallback
  const match = allowed.find((endpoint) => endpoint === value.trim().toLowerCase())
  if (!match) throw new UsageError(`--prefer expects ${allowed.join(' or ')}, got "${value}".`)
  return match
}

export function parseProbeLimits(args: { concurrency?: string; timeout?: string }): { concurrency: number; timeoutMs: number } {
  const concurrencyText = args.concurrency ?? process.env.CODEX_SHIM_PROBE_CONCURRENCY
  const timeoutText = args.timeout ?? process.env.CODEX_SHIM_PROBE_TIMEOUT
  const concurrency = concurrencyText === undefined || concurrencyText === '' ? DEFAULT_CONCURRENCY : Number(concurrencyText)
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) throw new UsageError(`${args.concurrency === undefined ? 'CODEX_SHIM_PROBE_CONCURRENCY' : '--concurrency'} expects a whole number from 1 to 64, got "${concurrencyText}".`)
  const seconds = timeoutText === undefined || timeoutText === '' ? DEFAULT_TIMEOUT_SECONDS : Number(timeoutText)
  // The variable is named when it is the source: an error about --timeout would send the user looking for a flag they never passed.
  const timeoutName = args.timeout === undefined ? 'CODEX_SHIM_PROBE_TIMEOUT' : '--timeout'
  if (!Number.isFinite(seconds) || seconds < 0.1 || seconds > 600) throw new UsageError(`${timeoutName} expects seconds from 0.1 to 600, got "${timeoutText}".`)
  return { concurrency, timeoutMs: Math.round(seconds * 1000) }
}

/** A base URL as given, without trailing slashes; a clear usage error for anything else. */
export function parseBaseUrl(value: string, what: string): string {
  let url: URL
  try {
    url = new URL(value.trim())
  } catch {
    throw new UsageError(`${what} expects a URL such as "http://127.0.0.1:11434/v1", got "${value}".`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new UsageError(`${what} expects an http:// or https:// URL, got "${value}".`)
  if (url.username || url.password || url.search || url.hash) throw new UsageError(`${what} must be a plain base URL (no credentials, query or fragment).`)
  return url.toString().replace(/\/+$/, '')
}

/** The variable's value, or a usage error naming it, before anything touches the network. */
export function requireKey(name: string, how: string): string {
  // What was given is not repeated: it is most often the key itself, pasted where its variable's name goes.
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new UsageError(`${how} expects the name of an environment variable that holds the key (such as "MY_SERVER_KEY"), not the key itself; export the key in a variable and pass its name.`)
  const key = process.env[name]?.trim()
  if (!key) throw new UsageError(`Set ${name} before probing (export ${name}=sk-…), or name another variable with ${how}.`)
  return key
}

/**
 * Runs the flow on this terminal: progress on stderr, the report on stdout,
 * Ctrl-C aborts every probe and writes nothing. Returns the exit code.
 */
export async function runDiscoveryCommand(source: DiscoverySource, args: { settings?: string; 'dry-run'?: boolean; yes?: boolean; concurrency?: string; timeout?: string }): Promise<number> {
  const limits = parseProbeLimits(args)
  const controller = new AbortController()
  // First Ctrl-C: abort the probes and unwind (nothing is written). A second one: leave now.
  const onSigint = () => (controller.signal.aborted ? process.exit(130) : controller.abort())
  process.on('SIGINT', onSigint)
  const stderrTTY = Boolean(process.stderr.isTTY) && process.env.TERM !== 'dumb'
  try {
    const report = await runDiscovery(
      source,
      { settingsPath: args.settings ? resolve(args.settings) : shimPaths.settings(), dryRun: Boolean(args['dry-run']), yes: Boolean(args.yes), ...limits, signal: controller.signal },
      {
        progress: { write: (text) => void process.stderr.write(text), isTTY: stderrTTY, columns: process.stderr.columns },
        canPrompt: stderrTTY && Boolean(process.stdin.isTTY),
        confirm: (question) => askYesNo(question, { output: process.stderr, signal: controller.signal }),
      },
    )
    for (const line of reportLines(report)) console.log(line)
    return 0
  } catch (error) {
    if (error instanceof DiscoveryInterrupted) {
      log.error(error.message)
      return 130
    }
    if (error instanceof ProbesDeclined) {
      log.error(error.message)
      return error.reason === 'no-terminal' ? 2 : 1
    }
    throw error
  } finally {
    process.off('SIGINT', onSigint)
  }
}
