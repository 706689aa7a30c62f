import { existsSync, readFileSync } from 'node:fs'
import { codexPaths } from '../paths.ts'
import { backupFile, refuseReadOnly, writeFileAtomic, writeFileAtomicOffThread } from './atomic-write.ts'
import { applyManagedBlock, ConfigEditError, hasManagedBlock, managedHost, managedModel, removeManagedBlock, type ManagedBlockOptions } from './config-block.ts'

export interface ConfigChange {
  path: string
  backup: string | null
  changed: boolean
}

function readConfig(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}

/** The change, with the file as it was backed up first when there is one to write. */
function backedUpChange(path: string, before: string, after: string): ConfigChange {
  if (before === after) return { path, backup: null, changed: false }
  refuseReadOnly(path, 'config.toml')
  return { path, backup: backupFile(path), changed: true }
}

function write(path: string, before: string, after: string): ConfigChange {
  const change = backedUpChange(path, before, after)
  if (change.changed) writeFileAtomic(path, after)
  return change
}

/** `write` with the fsync off the thread: the running proxy's model switch (the control page). */
async function writeOffThread(path: string, before: string, after: string): Promise<ConfigChange> {
  const change = backedUpChange(path, before, after)
  if (change.changed) await writeFileAtomicOffThread(path, after)
  return change
}

/** Writes (or refreshes) our block in `$CODEX_HOME/config.toml`: backup first, atomic write. */
export function enableCodexConfig(options: ManagedBlockOptions, path = codexPaths.config()): ConfigChange {
  const before = readConfig(path)
  return write(path, before, applyManagedBlock(before, options))
}

/** Removes our block and restores the keys it displaced. */
export function disableCodexConfig(path = codexPaths.config()): ConfigChange {
  const before = readConfig(path)
  if (!hasManagedBlock(before)) return { path, backup: null, changed: false }
  return write(path, before, removeManagedBlock(before))
}

export function currentManagedModel(path = codexPaths.config()): string | null {
  return managedModel(readConfig(path))
}

/**
 * `model use` and the control page: changes the model (and the provider's
 * display name) inside our block only; needs `enable` first. The address the
 * block points at stays as `enable` wrote it, `--host` included, unless given.
 */
export async function useModelInConfig(model: string, options: Omit<ManagedBlockOptions, 'model'>, path = codexPaths.config()): Promise<ConfigChange> {
  const before = readConfig(path)
  if (!hasManagedBlock(before)) throw new ConfigEditError(`${path} has no codex-shim block. Run \`codex-shim enable\` first.`)
  const host = options.host ?? managedHost(before) ?? undefined
  return writeOffThread(path, before, applyManagedBlock(before, { ...options, host, model }))
}
