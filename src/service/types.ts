import { upstreamRequestEnv } from '../upstream/max-requests.ts'
import { posix } from 'node:path'

/** One command the service manager runs: argv plus whether a failure is expected and harmless. */
export interface ManagerCommand {
  argv: string[]
  /** `systemctl disable` on a unit that was never enabled fails; uninstall goes on regardless. */
  mayFail?: boolean
}

export interface CommandResult {
  code: number
  stdout: string
  stderr: string
}

/** Runs a service-manager command. Injected so tests drive macOS and Windows logic on Linux. */
export type CommandRunner = (argv: string[]) => Promise<CommandResult>

export type ServicePlatform = 'linux' | 'darwin' | 'win32'

/** Everything the service modules need from the machine, so tests can hand in another one. */
export interface ServiceHost {
  platform: ServicePlatform
  home: string
  env: Record<string, string | undefined>
  uid: number
  run: CommandRunner
  /**
   * Who listens on 127.0.0.1:<port> already, null when nobody does (port-holder.ts). Optional:
   * without it (tests driving the manager alone) install does not look.
   */
  portHolder?: (port: number) => Promise<import('./port-holder.ts').PortHolder | null>
}

export interface ServiceOptions {
  port: number
  /** How to run codex-shim: the compiled binary, or `bun /abs/src/cli.ts`. */
  program: string[]
}

/** What install writes and runs, and what uninstall and status run; `--dry-run` prints it. */
export interface ServicePlan {
  manager: 'systemd' | 'launchd' | 'schtasks'
  /** The file we own (unit or plist); Windows keeps the task inside the scheduler instead. */
  file: { path: string; content: string } | null
  install: ManagerCommand[]
  /** Run after install when the file changed, so a new port or binary takes effect. */
  reload: ManagerCommand[]
  uninstall: ManagerCommand[]
  /** Run once the file is gone (systemd forgets the unit on daemon-reload). */
  afterRemove: ManagerCommand[]
  status: ManagerCommand
  /** Reads the status command's output: is the proxy running under the manager? */
  parseStatus: (result: CommandResult) => ServiceState
}

export interface ServiceState {
  loaded: boolean
  running: boolean
  pid?: number
  /** The manager keeps starting it and it keeps exiting (or the manager gave up): not merely stopped. */
  failing?: boolean
  detail: string
}

// The paths here and in launchd.ts and systemd.ts are macOS and Linux paths: POSIX joins, whatever
// machine builds the plan (tests build every platform's on any).

/** `$CODEX_SHIM_HOME`, default `~/.codex-shim`, as seen from the host handed in. */
export function serviceShimHome(host: Pick<ServiceHost, 'home' | 'env'>): string {
  return host.env.CODEX_SHIM_HOME || posix.join(host.home, '.codex-shim')
}

/** Optional `NAME=value` lines the user keeps for the service (provider keys): we read it, never write it. */
export function serviceEnvFile(host: Pick<ServiceHost, 'home' | 'env'>): string {
  return posix.join(serviceShimHome(host), 'service.env')
}

export const SERVICE_NAME = 'codex-shim'
/** launchd labels are reverse-DNS by convention. */
export const LAUNCHD_LABEL = 'dev.codex-shim'

/** The proxy's own arguments: foreground (the manager supervises it), loopback only. */
export function serveArguments(port: number): string[] {
  return ['start', '--foreground', '--port', String(port), '--host', '127.0.0.1']
}

/**
 * What the service starts with: where our files are, and Bun's cap on
 * concurrent upstream requests (read only at process start, so it must be
 * in the service's environment). No secrets: keys stay in the settings or
 * the user's env file.
 */
export function pathEnvironment(env: Record<string, string | undefined>): Record<string, string> {
  const kept: Record<string, string> = {}
  for (const name of ['CODEX_SHIM_HOME', 'CODEX_HOME'] as const) {
    const value = env[name]
    if (value) kept[name] = value
  }
  return { ...kept, ...upstreamRequestEnv(env) }
}
