import { closeSync, constants, openSync, readdirSync, rmSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { ShimError } from '../errors.ts'

const DENIED = new Set(['EACCES', 'EPERM', 'EROFS'])

export function isPermissionError(error: unknown): boolean {
  return typeof error === 'object' && error !== null && DENIED.has(String((error as { code?: unknown }).code))
}

/**
 * macOS guards apps twice: file permissions under /Applications (admin), and
 * since Ventura the "App Management" privacy permission for the terminal
 * that runs us ("… was prevented from modifying apps on your Mac").
 */
export function permissionDenied(appPath: string, command: string): ShimError {
  return new ShimError(
    'config',
    `Permission denied while changing ${appPath}. Run \`sudo codex-shim ${command}\`, and if macOS says your terminal "was prevented from modifying apps", allow it in System Settings → Privacy & Security → App Management, then run the command again.`,
  )
}

/** Runs `body`, turning a permission error into the message above; other errors pass through. */
export function withPermissionHint<T>(appPath: string, command: string, body: () => T): T {
  try {
    return body()
  } catch (error) {
    if (isPermissionError(error)) throw permissionDenied(appPath, command)
    throw error
  }
}

const PROBE_PREFIX = '.codex-shim-write-test-'

/** Fails before any backup or change when we could not write beside `file`. */
export function probeWritable(dir: string, appPath: string, command: string): void {
  const probe = join(dir, `${PROBE_PREFIX}${process.pid}`)
  withPermissionHint(appPath, command, () => {
    // A run killed right here leaves its probe; only names we make are removed.
    for (const name of readdirSync(dir)) if (name.startsWith(PROBE_PREFIX)) rmSync(join(dir, name), { force: true })
    closeSync(openSync(probe, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600))
    unlinkSync(probe)
  })
}
