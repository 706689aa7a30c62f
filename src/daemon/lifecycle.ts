import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, rmSync, statSync, writeSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { isCompiledBinary } from '../compiled.ts'
import { ShimError } from '../errors.ts'
import { upstreamRequestEnv } from '../upstream/max-requests.ts'
import { log } from '../log.ts'
import { shimPaths } from '../paths.ts'
import { readSettings } from '../settings/read.ts'
import { checkBindHost, type ServeOptions } from './foreground.ts'
import { checkDaemonIdentity, looksLikeCodexShim, processArgv } from './identity.ts'
import { rotateIfLarge } from './log-rotation.ts'
import { unsetKeyWarnings } from './key-warnings.ts'
import { isAlive, PID_FILE_CHECK_S, pidFileDamaged, readPidFile, removePidFile, type DaemonInfo } from './pid-file.ts'
import { portInUse, probeHealth, type HealthReport } from './probe.ts'
import { isOurTunnel } from '../tunnel/tunnel.ts'

export type { ServeOptions } from './foreground.ts'

/** How to run this same program again: the compiled binary, or `bun src/cli.ts` in development. */
export function selfCommand(): string[] {
  return isCompiledBinary() ? [process.execPath] : [process.execPath, Bun.main]
}

export type StartResult = { state: 'started' | 'already-running'; info: DaemonInfo }

/** What to say when the pid file cannot be read: whether a daemon runs is unknown until it writes the file again. */
export function damagedPidFileMessage(): string {
  return `${shimPaths.pidFile()} is there but cannot be read (cut short, emptied or not readable): a running daemon writes it again within ${PID_FILE_CHECK_S} s. Try again then; if it stays unreadable, no daemon is running and you may remove it.`
}

/** The running daemon recorded in the pid file, if it answers its health check. */
export async function runningDaemon(): Promise<{ info: DaemonInfo; health: HealthReport } | null> {
  const info = await readPidFile()
  // A pid reused by another program (after a crash or a reboot): whatever holds the port now is
  // not ours, and must not be sent the token (probeHealth's `ours`).
  if (!info || !daemonAlive(info)) return null
  const health = await probeHealth(info.host, info.port, undefined, true)
  // Another codex-shim may answer on that port (the recorded daemon died and its pid was reused).
  return health?.ok && (health.pid === undefined || health.pid === info.pid) ? { info, health } : null
}

/** The log's last lines, from its last 64 KiB: a log can be large, and a failed start needs only its end. */
function logTail(lines = 15): string {
  const path = shimPaths.logFile()
  if (!existsSync(path)) return ''
  const size = statSync(path).size
  const fd = openSync(path, 'r')
  try {
    const length = Math.min(size, 64 * 1024)
    const tail = Buffer.alloc(length)
    readSync(fd, tail, 0, length, size - length)
    return tail.toString('utf8').trimEnd().split('\n').slice(-lines).join('\n')
  } finally {
    closeSync(fd)
  }
}

/**
 * Starts the daemon in the background and waits until `/health` answers. Starts
 * at the same moment (two `codex-shim codex` launched together) take turns under
 * a lock: the first starts the daemon, the others find it running.
 */
export async function startDaemon(options: ServeOptions): Promise<StartResult> {
  checkBindHost(options.host)
  const settingsPath = options.settingsPath ? resolve(options.settingsPath) : undefined
  const settings = await readSettings(settingsPath) // report bad settings here, not in the daemon log
  for (const warning of unsetKeyWarnings(settings)) log.warn(warning)
  return withStartLock(() => spawnDaemon(options, settingsPath))
}

async function portTakenError(port: number, host: string): Promise<ShimError> {
  const health = await probeHealth(host, port)
  const damaged = (await pidFileDamaged()) ? ` (or by this folder's own daemon: ${shimPaths.pidFile()} cannot be read; a running daemon writes it again within ${PID_FILE_CHECK_S} s)` : ''
  const who = health?.ok ? `another codex-shim (pid ${health.pid}, not managed from ${dirname(shimPaths.pidFile())})${damaged}` : 'another program'
  return new ShimError('config', `Port ${port} is already in use by ${who}. Choose another with --port N.`)
}

/**
 * What `startDaemon` would refuse (a host that needs a token, settings that do not read, no tunnel
 * tool, a port another program holds), checked without starting anything. `restart` asks first:
 * it stopped the running proxy and then failed, leaving none. `running` is the daemon about to be
 * stopped, whose own port is free once it is.
 */
export async function checkStartOptions(options: ServeOptions, running: DaemonInfo | null): Promise<void> {
  checkBindHost(options.host)
  await readSettings(options.settingsPath ? resolve(options.settingsPath) : undefined)
  if (options.tunnel) (await import('../tunnel/tunnel.ts')).findTunnel(typeof options.tunnel === 'string' ? options.tunnel : undefined)
  const ownPort = running !== null && isAlive(running.pid) && running.port === options.port
  if (options.port !== 0 && !ownPort && (await portInUse(options.host, options.port))) throw await portTakenError(options.port, options.host)
}

async function spawnDaemon(options: ServeOptions, settingsPath: string | undefined): Promise<StartResult> {
  const running = await runningDaemon()
  if (running) return { state: 'already-running', info: running.info }
  const leftover = await readPidFile()
  if (leftover && !daemonAlive(leftover)) endLeftoverTunnel(leftover)
  // Port 0 asks for any free port: the daemon records the one it got.
  if (options.port !== 0 && (await portInUse(options.host, options.port))) throw await portTakenError(options.port, options.host)

  const logPath = shimPaths.logFile()
  mkdirSync(dirname(logPath), { recursive: true })
  // The running daemon keeps it under LOG_MAX_BYTES (log-rotation.ts); a start does too, and a log that
  // cannot be rotated (another program holds it, on Windows) is no reason not to start.
  await rotateIfLarge(logPath).catch(() => false)
  const logFd = openSync(logPath, 'a', 0o600)
  // Fail here, clearly, if no tunnel tool is installed.
  if (options.tunnel) (await import('../tunnel/tunnel.ts')).findTunnel(typeof options.tunnel === 'string' ? options.tunnel : undefined)
  const args = [
    '_serve', '--host', options.host, '--port', String(options.port),
    ...(settingsPath ? ['--settings', settingsPath] : []),
    ...(options.tunnel ? ['--tunnel', ...(typeof options.tunnel === 'string' ? ['--tunnel-tool', options.tunnel] : [])] : []),
  ]
  // Windows: or the daemon would hold the pipe `start` writes to (src/std-handles.ts).
  if (process.platform === 'win32') await (await import('../std-handles.ts')).keepStdHandlesFromChildren()
  const child = Bun.spawn([...selfCommand(), ...args], {
    stdin: 'ignore',
    stdout: logFd,
    stderr: logFd,
    detached: true,
    // Bun reads its upstream request cap only at start: the daemon gets it in its environment.
    env: { ...process.env, ...upstreamRequestEnv(), CODEX_SHIM_DAEMON: '1' },
  })
  closeSync(logFd)
  child.unref()

  // The daemon writes its pid file once it serves (and, with --tunnel, once the tunnel is up).
  const deadline = Date.now() + (options.tunnel ? 40_000 : 15_000)
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break
    const info = await readPidFile()
    if (info?.pid === child.pid && (await probeHealth(info.host, info.port, 500, true))?.ok) return { state: 'started', info }
    // The daemon is healthy some 20 ms after it was spawned: a coarse poll would be most of `start`'s time.
    await Bun.sleep(5)
  }
  if (child.exitCode === null) child.kill()
  const tail = logTail()
  throw new ShimError('config', `The daemon did not become healthy.${tail ? `\nLast lines of ${logPath}:\n${tail}` : ''}`)
}

/** Beside the pid file: held while one start checks for a daemon, spawns one and waits for it. */
const startLockPath = () => `${shimPaths.pidFile()}.start-lock`
/** Longer than the slowest start (a tunnel's, 40 s): a lock older than this was left by a start that died. */
const START_LOCK_STALE_MS = 60_000

async function withStartLock<T>(run: () => Promise<T>): Promise<T> {
  const path = startLockPath()
  mkdirSync(dirname(path), { recursive: true })
  for (const deadline = Date.now() + START_LOCK_STALE_MS; ; ) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, String(process.pid))
      closeSync(fd)
      break
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') throw error
      if (!(startLockAbandoned(path) || Date.now() > deadline) || !takeOverStaleLock(path, deadline)) await Bun.sleep(20)
    }
  }
  try {
    return await run()
  } finally {
    if (lockHolder(path) === process.pid) rmSync(path, { force: true })
  }
}

/**
 * Removes a lock judged stale, one waiter at a time: two waiters that both judged it
 * stale must not both remove it, or the second removes the lock the first has just
 * taken. The waiter that creates `<lock>.steal` (O_EXCL) checks again and removes it;
 * the others wait. A `.steal` left by a waiter that died goes after a few seconds.
 */
function takeOverStaleLock(path: string, deadline: number): boolean {
  const steal = `${path}.steal`
  try {
    closeSync(openSync(steal, 'wx', 0o600))
  } catch (error) {
    if ((error as { code?: string }).code !== 'EEXIST') throw error
    try {
      if (Date.now() - statSync(steal).mtimeMs > 5000) rmSync(steal, { force: true })
    } catch {}
    return false
  }
  try {
    if (startLockAbandoned(path) || Date.now() > deadline) rmSync(path, { force: true })
    return true
  } finally {
    rmSync(steal, { force: true })
  }
}

function lockHolder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8'))
    return Number.isInteger(pid) && pid > 0 ? pid : null
  } catch {
    return null
  }
}

/** Left by a start that is gone (killed, crashed), or so old no start could still hold it. */
function startLockAbandoned(path: string): boolean {
  const holder = lockHolder(path)
  try {
    // An empty file is a lock being written this instant, unless it has stayed empty.
    if (holder === null) return Date.now() - statSync(path).mtimeMs > 1000
    return !isAlive(holder) || Date.now() - statSync(path).mtimeMs > START_LOCK_STALE_MS
  } catch {
    return false // gone already: the next try takes it
  }
}

/** The recorded daemon's process is still there and still codex-shim (its pid not reused). */
function daemonAlive(info: DaemonInfo): boolean {
  if (!isAlive(info.pid)) return false
  const argv = processArgv(info.pid)
  return argv === null || looksLikeCodexShim(argv)
}

/**
 * A daemon that died without its SIGTERM handler (a crash, the OOM killer, stop's SIGKILL) left
 * its tunnel tool running, forwarding the public URL to a port the next proxy may take. Ended
 * here, only while its command line is still that tunnel's (no check on Windows: left alone).
 */
function endLeftoverTunnel(info: DaemonInfo): void {
  const pid = info.tunnel_pid
  if (!pid || !isAlive(pid)) return
  const argv = processArgv(pid)
  if (argv === null || !isOurTunnel(argv, info.port)) return
  try {
    process.kill(pid, 'SIGTERM')
  } catch {
    // gone meanwhile
  }
}

export type StopResult =
  | { state: 'stopped'; pid: number }
  | { state: 'not-running' }
  /** The pid file names a process we could not prove is our daemon: left alone. */
  | { state: 'not-ours'; pid: number; reason: string; stale: boolean }
  /** The pid file is there but unreadable: a daemon may be running, and writes it again soon. */
  | { state: 'pid-file-damaged' }

/** Stops the daemon: SIGTERM, then SIGKILL after a grace period. Never signals a pid it cannot prove is ours. */
export async function stopDaemon(): Promise<StopResult> {
  const info = await readPidFile()
  if (!info && (await pidFileDamaged())) return { state: 'pid-file-damaged' }
  if (!info || !isAlive(info.pid)) {
    if (info) {
      endLeftoverTunnel(info)
      removePidFile(info.pid)
    }
    return { state: 'not-running' }
  }
  const identity = await checkDaemonIdentity(info)
  if (!identity.ours) {
    // A pid reused by another program: the file is a leftover. A silent codex-shim keeps it, for the user to decide.
    if (identity.stale) {
      if (!daemonAlive(info)) endLeftoverTunnel(info)
      removePidFile(info.pid)
    }
    return { state: 'not-ours', pid: info.pid, reason: identity.reason, stale: identity.stale }
  }
  process.kill(info.pid, 'SIGTERM')
  const deadline = Date.now() + 5000
  while (isAlive(info.pid) && Date.now() < deadline) await Bun.sleep(5)
  if (isAlive(info.pid)) {
    process.kill(info.pid, 'SIGKILL')
    // Its SIGTERM handler, which stops the tunnel, never finished.
    for (const until = Date.now() + 1000; isAlive(info.pid) && Date.now() < until; ) await Bun.sleep(5)
    endLeftoverTunnel(info)
  }
  removePidFile(info.pid)
  return { state: 'stopped', pid: info.pid }
}
