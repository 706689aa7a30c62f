import { runningDaemon } from '../daemon/lifecycle.ts'
import { portInUse, probeHealth } from '../daemon/probe.ts'
import { ShimError } from '../errors.ts'
import type { ServiceState } from './types.ts'

/**
 * What listens on 127.0.0.1:<port>, where the service's proxy is to listen: the daemon this
 * CODEX_SHIM_HOME's `codex-shim start` left running, another codex-shim, or another program.
 */
export type PortHolder = { kind: 'daemon'; pid: number } | { kind: 'codex-shim'; pid?: number } | { kind: 'other' }

/** The real check, for this machine (ServiceHost.portHolder). */
export async function localPortHolder(port: number): Promise<PortHolder | null> {
  if (!(await portInUse('127.0.0.1', port))) return null
  const daemon = await runningDaemon()
  if (daemon && daemon.info.port === port) return { kind: 'daemon', pid: daemon.info.pid }
  const health = await probeHealth('127.0.0.1', port)
  return health?.ok ? { kind: 'codex-shim', ...(health.pid !== undefined && { pid: health.pid }) } : { kind: 'other' }
}

/**
 * The service is what holds the port (a repeated install, or one that changes only the binary): its
 * manager has it running, and the pid that answers is the manager's, when both are known. A daemon
 * started by the service writes the same pid file as `codex-shim start`, so the pid decides.
 */
export function heldByService(holder: PortHolder, state: ServiceState): boolean {
  if (holder.kind === 'other' || !state.running) return false
  return holder.pid === undefined || state.pid === undefined || holder.pid === state.pid
}

/**
 * Said before anything is written: a service whose proxy cannot listen is restarted by its manager
 * until it gives up, and would then not run until the next login, however soon the port is free.
 */
export function portHeldError(port: number, holder: PortHolder): ShimError {
  const again = 'then run `codex-shim service install` again'
  if (holder.kind === 'daemon') {
    return new ShimError('config', `Port ${port} is held by the codex-shim daemon started with \`codex-shim start\` (pid ${holder.pid}), so the service's proxy could not listen there. Stop it first with \`codex-shim stop\`, ${again}; or give the service another port with --port N. Nothing was installed.`)
  }
  const who = holder.kind === 'codex-shim' ? `another codex-shim${holder.pid ? ` (pid ${holder.pid})` : ''}, not managed from this CODEX_SHIM_HOME` : 'another program'
  return new ShimError('config', `Port ${port} is held by ${who}, so the service's proxy could not listen there. Free it, ${again}; or choose another port with --port N. Nothing was installed.`)
}
