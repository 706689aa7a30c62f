import { existsSync, lstatSync, readFileSync, rmSync, statSync } from 'node:fs'
import { codexPaths } from '../paths.ts'
import { backupFile, originalAbsentMarker, recordOriginalAbsent, refuseReadOnly, writeFileAtomic, writeFileAtomicOffThread } from './atomic-write.ts'
import { applyManagedBlock, ConfigEditError, hasManagedBlock, managedHost, managedModel, managedTokenEnv, removeManagedBlock, type ManagedBlockOptions } from './config-block.ts'

export interface ConfigChange {
  path: string
  backup: string | null
  changed: boolean
  /** `disable` removed the file itself: codex-shim had created it, and nothing else was in it. */
  removed?: boolean
}

function readConfig(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}

// fatal: a plain utf8 read turns a byte that is not UTF-8 into U+FFFD, which our write would then
// keep for good. ignoreBOM keeps a byte-order mark in the text, where the block code expects it.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

/** config.toml's text before we change it; refused, changing nothing, when it is not UTF-8. */
export function readConfigToEdit(path: string): string {
  if (!existsSync(path)) return ''
  if (statSync(path).isDirectory()) throw new ConfigEditError(`${path} is a folder; Codex's config.toml must be a file. Move the folder aside, then run this again; nothing was changed.`)
  const bytes = readFileSync(path)
  try {
    return utf8.decode(bytes)
  } catch {
    throw new ConfigEditError(`${path} is not UTF-8 (on line ${firstLineNotUtf8(bytes)}), and Codex reads config.toml as UTF-8 too. Save it as UTF-8 (in your editor, or with iconv), then run this again; nothing was changed.`)
  }
}

/** The 1-based number of the first line that does not decode (a line break is never part of a character). */
function firstLineNotUtf8(bytes: Uint8Array): number {
  let start = 0
  for (let line = 1; ; line++) {
    const end = bytes.indexOf(0x0a, start)
    try {
      utf8.decode(bytes.subarray(start, end === -1 ? bytes.length : end))
    } catch {
      return line
    }
    if (end === -1) return line // not reached: some line holds the byte the whole file failed on
    start = end + 1
  }
}

/** The change, with the file as it was backed up first when there is one to write. */
function backedUpChange(path: string, before: string, after: string): ConfigChange {
  if (before === after) return { path, backup: null, changed: false }
  refuseReadOnly(path, 'config.toml')
  return { path, backup: backupFile(path), changed: true }
}

function write(path: string, before: string, after: string): ConfigChange {
  const existed = existsSync(path)
  const change = backedUpChange(path, before, after)
  if (!change.changed) return change
  writeFileAtomic(path, after)
  if (!existed) recordOriginalAbsent(path)
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
  const before = readConfigToEdit(path)
  return write(path, before, applyManagedBlock(before, options))
}

/** Removes our block and restores the keys it displaced. */
export function disableCodexConfig(path = codexPaths.config()): ConfigChange {
  const before = readConfigToEdit(path)
  if (!hasManagedBlock(before)) return { path, backup: null, changed: false }
  const after = removeManagedBlock(before)
  if (weCreatedIt(path, after)) {
    // There was no config.toml before codex-shim wrote one, and nothing but our block is in it:
    // restoring the original is removing it (the .bak keeps what was there). A link is left, as a
    // dotfiles checkout made it: its target is emptied by the write below instead.
    const change = backedUpChange(path, before, after)
    rmSync(path)
    rmSync(originalAbsentMarker(path), { force: true })
    return { ...change, removed: true }
  }
  return write(path, before, after)
}

/** The file is ours to remove: it did not exist before codex-shim first changed it, and holds nothing else now. */
function weCreatedIt(path: string, after: string): boolean {
  return after.trim() === '' && existsSync(originalAbsentMarker(path)) && !lstatSync(path).isSymbolicLink()
}

/** Read only, from our block: a stray byte elsewhere in the file does not hide the model from `model list`. */
export function currentManagedModel(path = codexPaths.config()): string | null {
  return managedModel(readConfig(path))
}

/**
 * `model use` and the control page: changes the model (and the provider's
 * display name) inside our block only; needs `enable` first. The address the
 * block points at stays as `enable` wrote it, `--host` included, unless given.
 */
export async function useModelInConfig(model: string, options: Omit<ManagedBlockOptions, 'model'>, path = codexPaths.config()): Promise<ConfigChange> {
  const before = readConfigToEdit(path)
  if (!hasManagedBlock(before)) throw new ConfigEditError(`${path} has no codex-shim block. Run \`codex-shim enable\` first.`)
  const host = options.host ?? managedHost(before) ?? undefined
  // As `enable` wrote it: a `model use` run where CODEX_SHIM_TOKEN is not set keeps Codex sending it.
  const tokenEnv = options.tokenEnv ?? managedTokenEnv(before)
  return writeOffThread(path, before, applyManagedBlock(before, { ...options, host, model, tokenEnv }))
}
