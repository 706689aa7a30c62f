import { backupsFor, backupsTotalBytes } from './backups.ts'
import { locateApp, readCodexBundle } from './bundle.ts'
import { systemHost, type DesktopHost } from './host.ts'
import { isPatched } from './restore.ts'

export interface DesktopStatus {
  installed: boolean
  appPath: string | null
  version: string | null
  /** 'unknown': this build's needles are neither in their original nor their patched form (or unreadable). */
  patched: boolean | 'unknown'
  /** A backup of the installed version exists, so restore-app can undo the patch. */
  backup: boolean
  /** Bytes under ~/.codex-shim/app-backups (all versions). */
  backupsBytes: number
}

/** For `doctor`: never throws; a Linux machine without --app reports "not installed". */
export function desktopStatus(appPath?: string, host: DesktopHost = systemHost): DesktopStatus {
  const backupsBytes = backupsTotalBytes()
  let located: string | null
  try {
    located = locateApp(appPath, host)
  } catch {
    located = null
  }
  if (!located) return { installed: false, appPath: null, version: null, patched: 'unknown', backup: false, backupsBytes }
  try {
    const bundle = readCodexBundle(located, host)
    let patched: boolean | 'unknown'
    try {
      patched = isPatched(bundle) ?? 'unknown'
    } catch {
      patched = 'unknown'
    }
    return { installed: true, appPath: bundle.appPath, version: bundle.version, patched, backup: backupsFor(bundle.version).length > 0, backupsBytes }
  } catch {
    return { installed: false, appPath: located, version: null, patched: 'unknown', backup: false, backupsBytes }
  }
}
