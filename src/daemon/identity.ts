import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import type { DaemonInfo } from './pid-file.ts'
import { probeHealth } from './probe.ts'

/**
 * A pid file can outlive its daemon (a crash, a reboot), and the OS reuses
 * pids: before signalling the pid it names, prove it is our daemon.
 */

/** The process's argv, or null when this platform gives no cheap way to read it. */
export function processArgv(pid: number, platform: NodeJS.Platform = process.platform): string[] | null {
  if (platform === 'linux') {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean)
    } catch {
      return [] // gone, or not ours to read: nothing that could match
    }
  }
  if (platform === 'darwin' || platform === 'freebsd' || platform === 'openbsd') {
    const result = Bun.spawnSync(['ps', '-o', 'command=', '-p', String(pid)], { stdout: 'pipe', stderr: 'ignore' })
    return result.success ? result.stdout.toString().trim().split(/\s+/).filter(Boolean) : []
  }
  // Windows: reading another process's command line needs WMI/PowerShell
  // (slow, sometimes blocked); the /health pid check alone has to do there.
  return null
}

/** `codex-shim _serve …` (the daemon), `codex-shim start --foreground`, or the same through `bun src/cli.ts`. */
export function looksLikeCodexShim(argv: string[]): boolean {
  if (argv.includes('_serve')) return true
  const named = argv.some((arg) => basename(arg).toLowerCase().startsWith('codex-shim'))
  const foreground = argv.includes('start') && argv.includes('--foreground')
  return named || foreground
}

export type DaemonIdentity = { ours: true } | { ours: false; reason: string; stale: boolean }

/**
 * Ours when the process's command line is codex-shim's and `/health` on the
 * recorded port reports this very pid. `stale` means the pid belongs to some
 * other program, so the pid file is a leftover.
 */
export async function checkDaemonIdentity(info: DaemonInfo, platform: NodeJS.Platform = process.platform): Promise<DaemonIdentity> {
  const argv = processArgv(info.pid, platform)
  if (argv !== null && !looksLikeCodexShim(argv)) {
    const what = argv.length ? `"${basename(argv[0]!)}"` : 'a process we cannot inspect'
    return { ours: false, stale: true, reason: `pid ${info.pid} is ${what}, not codex-shim` }
  }
  const health = await probeHealth(info.host, info.port, undefined, true)
  if (!health?.ok) return { ours: false, stale: false, reason: `pid ${info.pid} does not answer /health on port ${info.port}` }
  if (health.pid !== info.pid) return { ours: false, stale: true, reason: `port ${info.port} is served by pid ${health.pid ?? '?'}, not pid ${info.pid}` }
  return { ours: true }
}
