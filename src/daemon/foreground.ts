import { ShimError } from '../errors.ts'
import { log } from '../log.ts'
import { shimPaths } from '../paths.ts'
import { startServer } from '../server/serve.ts'
import { allowHost, hostName } from '../server/guard.ts'
import { readSettings } from '../settings/read.ts'
import type { Tunnel } from '../tunnel/tunnel.ts'
import { displayUrl, pageAddress } from '../ui/page-address.ts'
import { VERSION } from '../version.ts'
import { unsetKeyWarnings } from './key-warnings.ts'
import { isAlive, PID_FILE_CHECK_S, readPidFile, removePidFile, writePidFile, type DaemonInfo } from './pid-file.ts'
import { plural } from '../plural.ts'

/**
 * The proxy's own process: what `start --foreground` and the daemon run. This
 * is the start path, read before the proxy can answer `/health`, so it imports
 * no Node builtin (node:fs alone costs a start ~2 ms): files go through Bun's
 * file API, and the rest of the daemon's lifecycle (start, stop, status) lives
 * in lifecycle.ts, which the commands load.
 */

export interface ServeOptions {
  host: string
  port: number
  settingsPath?: string
  /** Expose through a tunnel: true for whichever is installed, or 'ngrok' / 'cloudflared'. */
  tunnel?: boolean | string
  /** The background daemon (`_serve`): it always owns the pid file; `start --foreground` only when no daemon does. */
  daemon?: boolean
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]'])

/** Refuses to expose an unauthenticated proxy beyond this machine. */
export function checkBindHost(host: string): void {
  if (LOOPBACK.has(host) || process.env.CODEX_SHIM_TOKEN) return
  throw new ShimError('config', `Refusing to listen on ${host} without a token: anyone who can reach it could spend your keys. Set CODEX_SHIM_TOKEN, or keep the default --host 127.0.0.1.`)
}

/** Runs the proxy in this process until SIGINT/SIGTERM. Used by `start --foreground` and the daemon. */
export async function serveForeground(options: ServeOptions): Promise<{ stop: () => void; port: number; publicUrl?: string }> {
  checkBindHost(options.host)
  const settings = await readSettings(options.settingsPath)
  for (const warning of settings.warnings) log.warn(`settings: ${warning}`)
  for (const warning of unsetKeyWarnings(settings)) log.warn(warning)
  let started: ReturnType<typeof startServer>
  try {
    started = startServer(settings, { host: options.host, port: options.port })
  } catch (error) {
    const code = (error as { code?: string }).code
    if (code === 'EADDRINUSE') throw new ShimError('config', `Port ${options.port} on ${options.host} is already in use. Stop what uses it or choose another with --port.`)
    throw error
  }
  const port = started.server.port ?? options.port
  log.info(`codex-shim ${VERSION} listening on ${displayUrl(options.host, port)} with ${plural(settings.models.length, 'model')}${settings.path ? ` from ${settings.path}` : ''}; control page ${pageAddress(options.host, port)}`)
  let tunnel: Tunnel | null = null
  if (options.tunnel) {
    const [{ ensureToken }, { startTunnel }] = await Promise.all([import('../tunnel/token.ts'), import('../tunnel/tunnel.ts')])
    // A public URL without a token would let anyone spend the user's keys.
    started.requireToken((await ensureToken()).token)
    try {
      tunnel = await startTunnel(port, typeof options.tunnel === 'string' ? options.tunnel : undefined)
    } catch (error) {
      started.stop()
      throw error
    }
    allowHost(started.allowedHosts, hostName(new URL(tunnel.publicUrl).host))
    log.info(`${tunnel.kind} tunnel up at ${tunnel.publicUrl} (token required on /v1/*)`)
  }
  const owner = options.daemon ? null : await otherInstance()
  if (owner) log.info(`Another codex-shim (pid ${owner.pid}) owns ${shimPaths.pidFile()}; \`status\` and \`stop\` keep talking to it, not to this instance.`)
  else {
    const record: DaemonInfo = { pid: process.pid, host: options.host, port, version: VERSION, started_at: new Date().toISOString(), settings: settings.path, ...(tunnel && { public_url: tunnel.publicUrl, tunnel: tunnel.kind, tunnel_pid: tunnel.pid }) }
    await writePidFile(record)
    keepPidFile(record)
    // A tunnel that dies leaves a URL that reaches nothing: status and start stop showing it.
    void tunnel?.lost.then(async () => {
      delete record.public_url
      delete record.tunnel
      delete record.tunnel_pid
      if ((await readPidFile())?.pid === process.pid) await writePidFile(record).catch(() => {})
    })
  }
  const stop = () => {
    tunnel?.stop()
    started.stop()
    removePidFile() // only if it still names this process
  }
  const onSignal = async () => {
    log.info('codex-shim stopping')
    tunnel?.stop()
    // `stop` waits 5 s before SIGKILL: the drain and the hooks below fit well inside it.
    await started.drain(1500)
    started.stop()
    // Runs of ours that would outlive the process (cursor-agent): stopped before the exit, not by a timer it cancels.
    await (await import('../shutdown.ts')).runShutdownHooks(2000)
    removePidFile() // only if it still names this process
    process.exit(0)
  }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  restoreJitPolicy()
  // The log's size is looked after a minute in, off the start path (log-rotation.ts loads node:fs).
  setTimeout(() => void import('./log-rotation.ts').then(({ watchOwnLog }) => watchOwnLog((path) => log.info(`Log rotated: the earlier lines are in ${path}.1`))), 60_000).unref()
  return { stop, port, publicUrl: tunnel?.publicUrl }
}

/**
 * The binary starts with the JIT held back (`compile.jitPolicy`, scripts/build.ts) so
 * run-once start-up code is not compiled; a proxy that listens gets the normal policy,
 * for its request path.
 */
function restoreJitPolicy(): void {
  if (typeof Bun.unsafe.setJITPolicy === 'function') Bun.unsafe.setJITPolicy(1)
}

/**
 * Writes the pid file again when it is gone or unreadable (deleted by hand, a
 * write cut short by a full disk): without it `status` says "not running",
 * `stop` leaves this process alone and `restart` starts a second daemon. A file
 * naming another live process is that process's, and is left as it is.
 */
function keepPidFile(info: DaemonInfo): void {
  // CODEX_SHIM_PID_FILE_CHECK_MS: for tests, which cannot wait the usual interval.
  const everyMs = Number(process.env.CODEX_SHIM_PID_FILE_CHECK_MS) || PID_FILE_CHECK_S * 1000
  setInterval(async () => {
    if ((await readPidFile()) === null) await writePidFile(info).catch(() => {})
  }, everyMs).unref()
}

/** The live codex-shim another process recorded in the pid file, if any. */
async function otherInstance(): Promise<DaemonInfo | null> {
  const info = await readPidFile()
  if (!info || info.pid === process.pid || !isAlive(info.pid)) return null
  const { looksLikeCodexShim, processArgv } = await import('./identity.ts')
  const argv = processArgv(info.pid)
  return argv === null || looksLikeCodexShim(argv) ? info : null
}
