import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { shimHome } from '../paths.ts'
import { writeFileAtomic } from './atomic-write.ts'

/** The `codex` CLI to run: `$CODEX_SHIM_CODEX_BIN`, else the first on PATH. */
export function findCodex(env: Record<string, string | undefined> = process.env): string | null {
  const configured = env.CODEX_SHIM_CODEX_BIN
  if (configured) return existsSync(configured) ? configured : null
  const found = Bun.which('codex', { PATH: env.PATH ?? '' })
  if (found) return found
  // Codex Desktop ships its own CLI, which GUI-launched processes do not have on PATH.
  const desktop = process.platform === 'darwin' ? '/Applications/Codex.app/Contents/Resources/codex' : null
  return desktop && existsSync(desktop) ? desktop : null
}

export function codexVersion(bin: string): string | null {
  const result = Bun.spawnSync([bin, '--version'], { stdout: 'pipe', stderr: 'ignore', timeout: 10_000 })
  return result.success ? versionIn(result.stdout.toString()) : null
}

/** The version in `codex --version`'s output (`codex-cli 0.169.0` → `0.169.0`). */
export function versionIn(output: string): string | null {
  const text = output.trim()
  return text.match(/(\d+\.\d+\.\d+\S*)/)?.[1] ?? (text || null)
}


/** What `codex --help` says about the installed CLI, as far as launching it goes. */
export interface CodexCli {
  /** Subcommand names and aliases (`exec`, `e`, `resume`, …). */
  commands: string[]
  /** Top-level options that take a value (`-c`, `--model`, …), to find the first positional. */
  valueOptions: string[]
  /** Per command ('' for the top level): does it accept `--no-daemon`? Filled in as asked. */
  noDaemon: Record<string, boolean>
}

interface CachedCli extends CodexCli {
  key: string
}

const cachePath = () => join(shimHome(), 'codex-cli.json')

/** Parses clap's `--help`: the Commands section and the value-taking options. */
export function parseCodexHelp(help: string): Omit<CodexCli, 'noDaemon'> & { noDaemon: boolean } {
  const commands: string[] = []
  const valueOptions: string[] = []
  let section = ''
  for (const line of help.split('\n')) {
    const heading = line.match(/^([A-Z][A-Za-z ]*):\s*$/)
    if (heading) {
      section = heading[1]!
      continue
    }
    if (section === 'Commands') {
      const command = line.match(/^ {2}([a-z][\w-]*)(?: {2,}|$)/)
      if (command) commands.push(command[1]!)
      const aliases = line.match(/\[aliases?: ([^\]]+)\]/)
      if (aliases) commands.push(...aliases[1]!.split(',').map((alias) => alias.trim()).filter(Boolean))
    } else if (section === 'Options') {
      const option = line.match(/^\s+(?:(-\w), )?(--[\w-]+)(?:[ =]<[^>]+>)?/)
      if (option && /^\s+(?:-\w, )?--[\w-]+[ =]</.test(line)) valueOptions.push(...[option[1], option[2]].filter((flag): flag is string => Boolean(flag)))
    }
  }
  return { commands, valueOptions, noDaemon: /^\s+--no-daemon\b/m.test(help) }
}

function helpText(bin: string, command: string): string {
  const result = Bun.spawnSync([bin, ...(command ? [command] : []), '--help'], { stdout: 'pipe', stderr: 'ignore', timeout: 10_000 })
  return result.success ? result.stdout.toString() : ''
}

function binaryKey(bin: string): string {
  try {
    const stat = statSync(bin)
    return `${realpathSync(bin)}|${stat.mtimeMs}|${stat.size}`
  } catch {
    return bin
  }
}

function readCache(key: string): CachedCli | null {
  try {
    const cached = JSON.parse(readFileSync(cachePath(), 'utf8')) as CachedCli
    return cached.key === key && Array.isArray(cached.commands) && Array.isArray(cached.valueOptions) && cached.noDaemon ? cached : null
  } catch {
    return null
  }
}

function writeCache(cached: CachedCli): void {
  try {
    writeFileAtomic(cachePath(), `${JSON.stringify(cached, null, 2)}\n`)
  } catch {
    // a read-only home only costs a `codex --help` next time
  }
}

/**
 * The installed CLI's commands and options, from `codex --help`, cached per
 * binary (path, mtime, size) in `$CODEX_SHIM_HOME/codex-cli.json`: an upgrade
 * changes the key. `supportsNoDaemon(command)` reads that command's help once.
 */
export function codexCli(bin: string): CodexCli & { supportsNoDaemon: (command: string) => boolean } {
  const key = binaryKey(bin)
  let cached = readCache(key)
  if (!cached) {
    const top = parseCodexHelp(helpText(bin, ''))
    cached = { key, commands: top.commands, valueOptions: top.valueOptions, noDaemon: { '': top.noDaemon } }
    writeCache(cached)
  }
  const cli = cached
  return {
    ...cli,
    supportsNoDaemon(command: string): boolean {
      if (!Object.hasOwn(cli.noDaemon, command)) {
        cli.noDaemon[command] = parseCodexHelp(helpText(bin, command)).noDaemon
        writeCache(cli)
      }
      return cli.noDaemon[command]!
    },
  }
}
