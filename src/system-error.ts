/**
 * A file system error as a sentence a person can act on: what happened to which
 * file and what to check, instead of the system's own text ("EACCES: permission
 * denied, open '…/config.toml.codex-shim-18802-k3.tmp'"). A temporary file we
 * write through is named by the file it stands for. Null for other errors.
 */
export function describeSystemError(error: unknown): string | null {
  const { code, path, syscall } = (error ?? {}) as { code?: unknown; path?: unknown; syscall?: unknown }
  if (typeof code !== 'string') return null
  // Only a file's: a port it may not listen on (EACCES, listen) is said better by its own text.
  if (typeof syscall === 'string' && !FILE_CALLS.has(syscall)) return null
  const file = typeof path === 'string' && path ? shownPath(path) : null
  const where = file ? ` ${file}` : ''
  const act = actionOf(typeof syscall === 'string' ? syscall : '')
  switch (code) {
    case 'EACCES':
    case 'EPERM':
      return `Permission denied ${act}${where || ' a file'}: check that you own it and its folder and can write there (ls -ld), then run this again.`
    case 'EROFS':
      return `Cannot write${where || ' a file'}: it is on a read-only file system.`
    case 'ENOSPC':
    case 'EDQUOT':
      return `Cannot write${where || ' a file'}: the disk (or your quota) is full. Free some space, then run this again.`
    case 'EISDIR':
      return `${file ?? 'A path codex-shim reads'} is a folder where a file is expected; move it aside, then run this again.`
    case 'ENOTDIR':
      return `${file ? `A part of ${file}` : 'A path'} is a file where a folder is expected (is CODEX_HOME or CODEX_SHIM_HOME a file?).`
    case 'EEXIST':
      return syscall === 'mkdir' ? `${file ?? 'A folder codex-shim needs'} exists and is not a folder (is CODEX_HOME or CODEX_SHIM_HOME a file?).` : null
    default:
      return null
  }
}

const FILE_CALLS: ReadonlySet<string> = new Set(['open', 'read', 'write', 'close', 'rename', 'link', 'unlink', 'chmod', 'fchmod', 'mkdir', 'rmdir', 'scandir', 'stat', 'lstat', 'fstat', 'realpath', 'readlink', 'symlink', 'copyfile', 'fsync', 'utime', 'access'])

/** The file a write was for: `config.toml.codex-shim-<pid>-<n>.tmp` is config.toml. */
function shownPath(path: string): string {
  return path.replace(/\.codex-shim-[^/\\]*\.tmp$/, '')
}

function actionOf(syscall: string): string {
  if (syscall === 'open' || syscall === 'write' || syscall === 'rename' || syscall === 'link' || syscall === 'unlink' || syscall === 'chmod' || syscall === 'fchmod') return 'writing'
  if (syscall === 'mkdir') return 'creating'
  if (syscall === 'read' || syscall === 'scandir' || syscall === 'stat' || syscall === 'lstat') return 'reading'
  return 'using'
}
