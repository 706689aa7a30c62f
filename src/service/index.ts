import { existsSync, readFileSync, rmSync, unlinkSync } from 'node:fs'
import { homedir } from 'node:os'
import { resolve } from 'node:path'
import { writeFileAtomic } from '../codex/atomic-write.ts'
import { isCompiledBinary } from '../compiled.ts'
import { ShimError } from '../errors.ts'
import { resolvePath } from '../paths.ts'
import { launchdPlan } from './launchd.ts'
import { heldByService, localPortHolder, portHeldError } from './port-holder.ts'
import { schtasksPlan } from './schtasks.ts'
import { systemdPlan } from './systemd.ts'
import type { CommandRunner, ManagerCommand, ServiceHost, ServiceOptions, ServicePlan, ServicePlatform, ServiceState } from './types.ts'

export { localPortHolder } from './port-holder.ts'
export type { PortHolder } from './port-holder.ts'
export type { CommandResult, CommandRunner, ServiceHost, ServiceOptions, ServicePlan, ServiceState } from './types.ts'

/** Runs a command for real; a missing program (no systemctl) is exit 127, like a shell. */
export const spawnRunner: CommandRunner = async (argv) => {
  try {
    const child = Bun.spawn(argv, { stdin: 'ignore', stdout: 'pipe', stderr: 'pipe' })
    const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
    return { code, stdout, stderr }
  } catch (error) {
    return { code: 127, stdout: '', stderr: `${argv[0]}: ${(error as Error).message}` }
  }
}

function servicePlatform(platform: NodeJS.Platform): ServicePlatform {
  if (platform === 'linux' || platform === 'darwin' || platform === 'win32') return platform
  throw new ShimError('config', `No login service for ${platform}: codex-shim knows systemd (Linux), launchd (macOS) and Task Scheduler (Windows). Run \`codex-shim start\` instead.`)
}

/** This machine, with the real command runner. */
export function currentHost(run: CommandRunner = spawnRunner, env: Record<string, string | undefined> = process.env): ServiceHost {
  return {
    platform: servicePlatform(process.platform),
    home: env.HOME || env.USERPROFILE || homedir(),
    env: withAbsoluteHomes(env),
    uid: process.getuid?.() ?? 0,
    run,
    portHolder: localPortHolder,
  }
}

/**
 * CODEX_SHIM_HOME and CODEX_HOME as this process reads them: a relative one is from the folder the
 * command ran in, which a service (and systemd's Environment=, which wants absolute paths) knows nothing of.
 */
function withAbsoluteHomes(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const out = { ...env }
  for (const name of ['CODEX_SHIM_HOME', 'CODEX_HOME'] as const) if (out[name]) out[name] = resolvePath(out[name]!)
  return out
}

/**
 * How the service runs codex-shim: this compiled binary itself, or under bun
 * with the absolute path of src/cli.ts when running from a checkout.
 */
export function serviceProgram(execPath = process.execPath, main = Bun.main): string[] {
  return isCompiledBinary(main) ? [execPath] : [execPath, resolve(import.meta.dir, '..', 'cli.ts')]
}

export function planService(host: ServiceHost, options: ServiceOptions): ServicePlan {
  switch (host.platform) {
    case 'linux':
      return systemdPlan(host, options)
    case 'darwin':
      return launchdPlan(host, options)
    case 'win32':
      return schtasksPlan(host, options)
    default: {
      const unknown: never = host.platform
      throw new ShimError('config', `No login service for ${String(unknown)}.`)
    }
  }
}

async function runAll(host: ServiceHost, commands: ManagerCommand[]): Promise<void> {
  for (const command of commands) {
    const result = await host.run(command.argv)
    if (result.code === 0 || command.mayFail) continue
    const reason = result.code === 127 ? `${command.argv[0]} was not found` : (result.stderr.trim().split('\n')[0] ?? '') || `exit ${result.code}`
    throw new ShimError('config', `\`${command.argv.join(' ')}\` failed: ${reason}. Check that your session has a ${command.argv[0]} service manager, or run \`codex-shim start\` instead.`)
  }
}

export type InstallResult = { state: 'installed' | 'updated' | 'unchanged'; plan: ServicePlan }

/** Writes the unit/plist (atomically, only when it changed) and has the manager start it. Safe to repeat. */
export async function installService(host: ServiceHost, options: ServiceOptions): Promise<InstallResult> {
  const plan = planService(host, options)
  // `enable --now` and `bootstrap` succeed even when the proxy they start cannot listen: look first.
  const holder = (await host.portHolder?.(options.port)) ?? null
  if (holder && !heldByService(holder, plan.parseStatus(await host.run(plan.status.argv)))) throw portHeldError(options.port, holder)
  let state: InstallResult['state'] = 'installed'
  let previous: string | null = null
  if (plan.file) {
    previous = existsSync(plan.file.path) ? readFileSync(plan.file.path, 'utf8') : null
    state = previous === null ? 'installed' : previous === plan.file.content ? 'unchanged' : 'updated'
    if (state !== 'unchanged') writeFileAtomic(plan.file.path, plan.file.content, { mode: 0o644 })
  }
  try {
    await runAll(host, plan.install)
  } catch (error) {
    // The manager refused (no user session, no systemctl): the file goes back to what it was, so
    // `status` does not report a service installed that was never set up.
    if (plan.file && state === 'installed') rmSync(plan.file.path, { force: true })
    else if (plan.file && state === 'updated' && previous !== null) writeFileAtomic(plan.file.path, previous, { mode: 0o644 })
    throw error
  }
  if (state === 'updated') await runAll(host, plan.reload)
  return { state, plan }
}

export type UninstallResult = { state: 'removed' | 'not-installed'; plan: ServicePlan }

/** Stops the service, removes what install added, and tells the manager to forget it. Safe to repeat. */
export async function uninstallService(host: ServiceHost, options: ServiceOptions): Promise<UninstallResult> {
  const plan = planService(host, options)
  const hadFile = plan.file ? existsSync(plan.file.path) : false
  const before = plan.parseStatus(await host.run(plan.status.argv))
  if (!hadFile && !before.loaded) return { state: 'not-installed', plan }
  await runAll(host, plan.uninstall)
  if (plan.file && hadFile) unlinkSync(plan.file.path)
  await runAll(host, plan.afterRemove)
  return { state: 'removed', plan }
}

export interface ServiceStatus extends ServiceState {
  manager: ServicePlan['manager']
  /** Our unit or plist is on disk (always true on Windows when the task exists). */
  installed: boolean
  file: string | null
}

export async function serviceStatus(host: ServiceHost, options: ServiceOptions): Promise<ServiceStatus> {
  const plan = planService(host, options)
  const state = plan.parseStatus(await host.run(plan.status.argv))
  const installed = plan.file ? existsSync(plan.file.path) : state.loaded
  return { ...state, manager: plan.manager, installed, file: plan.file?.path ?? null }
}
