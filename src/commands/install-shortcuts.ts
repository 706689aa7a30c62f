import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, renameSync, rmSync, symlinkSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, join, posix, resolve } from 'node:path'
import { defineCommand } from 'citty'
import { writeFileAtomic } from '../codex/atomic-write.ts'
import { selfCommand } from '../daemon/lifecycle.ts'
import { ShimError } from '../errors.ts'
import { log } from '../log.ts'
import { SHORTCUTS, verboseArgs, type ShortcutName } from './_args.ts'
import { runGuarded } from './_run.ts'

/** Written into each Windows shortcut, so a later run knows the file is ours to replace. */
const CMD_MARKER = 'rem codex-shim shortcut'

export interface Shortcut {
  name: ShortcutName
  path: string
  /** A symlink to the binary (macOS, Linux), or a `.cmd` file that runs it (Windows). */
  kind: 'symlink' | 'cmd'
  target: string
  content?: string
}

export type ShortcutResult = Shortcut & { state: 'created' | 'updated' | 'unchanged' }

/**
 * Windows has no cheap per-user symlinks (they need developer mode), so each
 * shortcut is a `.cmd` that runs the binary with the command in front:
 * `codex-model list` → `codex-shim.exe model list`.
 */
function cmdFile(executable: string, command: string): string {
  return ['@echo off', CMD_MARKER, `"${executable}" ${command} %*`, ''].join('\r\n')
}

// A symlink's path is a macOS or Linux one (POSIX join), whatever machine plans it (tests plan every platform's).
export function planShortcuts(options: { dir: string; executable: string; platform: NodeJS.Platform }): Shortcut[] {
  return (Object.keys(SHORTCUTS) as ShortcutName[]).map((name) =>
    options.platform === 'win32'
      ? { name, path: join(options.dir, `${name}.cmd`), kind: 'cmd', target: options.executable, content: cmdFile(options.executable, SHORTCUTS[name]) }
      : { name, path: posix.join(options.dir, name), kind: 'symlink', target: options.executable },
  )
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

function refuse(path: string): never {
  throw new ShimError('config', `${path} already exists and is not a codex-shim shortcut. Remove it, or choose another folder with --dir.`)
}

function installOne(shortcut: Shortcut, dryRun: boolean): ShortcutResult {
  const exists = existsSync(shortcut.path) || isLink(shortcut.path)
  if (shortcut.kind === 'symlink') {
    if (exists && !isLink(shortcut.path)) refuse(shortcut.path)
    if (exists && readlinkSync(shortcut.path) === shortcut.target) return { ...shortcut, state: 'unchanged' }
    if (!dryRun) {
      // A new link beside the old one, renamed over it: never a moment without the command.
      const temp = `${shortcut.path}.codex-shim-${process.pid}.tmp`
      rmSync(temp, { force: true })
      symlinkSync(shortcut.target, temp)
      renameSync(temp, shortcut.path)
    }
    return { ...shortcut, state: exists ? 'updated' : 'created' }
  }
  const content = shortcut.content!
  if (exists) {
    const current = readFileSync(shortcut.path, 'utf8')
    if (!current.includes(CMD_MARKER)) refuse(shortcut.path)
    if (current === content) return { ...shortcut, state: 'unchanged' }
  }
  if (!dryRun) writeFileAtomic(shortcut.path, content, { mode: 0o755 })
  return { ...shortcut, state: exists ? 'updated' : 'created' }
}

/** Creates (or points at this binary again) the `codex-app` and `codex-model` shortcuts in `dir`. */
export function installShortcuts(options: { dir: string; executable: string; platform?: NodeJS.Platform; dryRun?: boolean }): ShortcutResult[] {
  const shortcuts = planShortcuts({ dir: options.dir, executable: options.executable, platform: options.platform ?? process.platform })
  if (!options.dryRun) mkdirSync(options.dir, { recursive: true })
  return shortcuts.map((shortcut) => installOne(shortcut, Boolean(options.dryRun)))
}

/** The compiled binary, which a shortcut can point at; null when running from source. */
function compiledExecutable(): string | null {
  const command = selfCommand()
  return command.length === 1 ? command[0]! : null
}

function onPath(dir: string, env = process.env): boolean {
  const wanted = resolve(dir)
  return (env.PATH ?? env.Path ?? '').split(delimiter).some((entry) => entry && resolve(entry) === wanted)
}

export default defineCommand({
  meta: { name: 'install-shortcuts', description: 'Add codex-app and codex-model commands (links to this binary) to a folder on your PATH' },
  args: {
    dir: { type: 'string', description: 'Folder for the shortcuts (default ~/.local/bin)', valueHint: 'DIR' },
    'dry-run': { type: 'boolean', description: 'Show what would be created; change nothing' },
    ...verboseArgs,
  },
  run: ({ args }) =>
    runGuarded(args, () => {
      const executable = compiledExecutable()
      if (!executable) throw new ShimError('config', 'install-shortcuts links to the compiled codex-shim binary, and this is running from source. Build it (`bun run build`) and run the binary\'s install-shortcuts.')
      const dir = resolve(args.dir || join(process.env.HOME || process.env.USERPROFILE || homedir(), '.local', 'bin'))
      const dryRun = Boolean(args['dry-run'])
      for (const result of installShortcuts({ dir, executable, dryRun })) {
        const what = result.kind === 'symlink' ? `${result.path} -> ${result.target}` : `${result.path} (runs ${result.target} ${SHORTCUTS[result.name]})`
        const verb = dryRun ? (result.state === 'unchanged' ? 'unchanged' : `would be ${result.state}`) : result.state
        log.info(`${verb}: ${what}`)
      }
      if (!onPath(dir)) log.warn(`${dir} is not on your PATH; add it to use codex-app and codex-model by name.`)
    }),
})
