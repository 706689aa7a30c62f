import { ConfigEditError } from '../codex/config-edit-error.ts'
import { ShimError } from '../errors.ts'
import { keepStdoutForData, log, setVerbose } from '../log.ts'
import { SettingsError } from '../settings/read.ts'
import { UsageError } from './_args.ts'

/**
 * Wraps a command's body: known errors print one clear message and set the
 * exit code (2 for bad usage or settings, 1 otherwise); a stack only with
 * --verbose. With --json every log line goes to stderr, leaving stdout to the JSON. citty would otherwise print a stack trace for any throw.
 */
export async function runGuarded(args: { verbose?: boolean; json?: boolean }, body: () => Promise<number | void> | number | void): Promise<void> {
  setVerbose(Boolean(args.verbose))
  if (args.json) keepStdoutForData()
  try {
    const code = await body()
    if (typeof code === 'number' && code !== 0) process.exit(code)
  } catch (error) {
    if (error instanceof SettingsError) {
      log.error(error.message)
      process.exit(2)
    }
    if (error instanceof UsageError) {
      log.error(error.message)
      process.exit(2)
    }
    if (error instanceof ShimError || error instanceof ConfigEditError) {
      log.error(error.message)
      if (args.verbose) log.debug(error.stack)
      // A model name the command line (or the settings) gave that no model answers to: bad usage.
      process.exit(error instanceof ShimError && error.kind === 'unknown_model' ? 2 : 1)
    }
    // Loaded only here: the proxy's start path reads this module, and an error is rare.
    const { describeSystemError } = await import('../system-error.ts')
    log.error(describeSystemError(error) ?? (error instanceof Error ? error.message : String(error)))
    if (args.verbose && error instanceof Error) log.error(error.stack)
    process.exit(1)
  }
}

type Resolvable<T> = T | Promise<T> | (() => T | Promise<T>)
type ArgDefinition = { type?: string; alias?: string | string[]; required?: boolean; default?: unknown }
/** The parts of a citty command the check reads (citty's own types are generic over the args). */
interface CommandShape {
  meta?: Resolvable<{ name?: string; hidden?: boolean; alias?: string | string[] } | undefined>
  args?: Resolvable<Record<string, ArgDefinition> | undefined>
  subCommands?: Resolvable<Record<string, Resolvable<CommandShape>> | undefined>
  run?: unknown
}

async function resolved<T>(value: Resolvable<T>): Promise<T> {
  return typeof value === 'function' ? await (value as () => T | Promise<T>)() : await value
}

const toKebab = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()

/** Edit distance with adjacent swaps (Damerau), for "did you mean". */
function distance(a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(rows[i - 1]![j]! + 1, rows[i]![j - 1]! + 1, rows[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, rows[i - 2]![j - 2]! + 1)
      rows[i]![j] = best
    }
  }
  return rows[a.length]![b.length]!
}

/** The closest candidate: one the input begins first ("stat" → "status"), else the nearest within a few edits. */
export function closestMatch(input: string, candidates: string[]): string | null {
  const prefixed = candidates.filter((candidate) => candidate.startsWith(input)).sort((a, b) => a.length - b.length)
  if (input.length > 1 && prefixed.length) return prefixed[0]!
  const limit = Math.max(1, Math.floor(input.replace(/^-+/, '').length / 3))
  const ranked = candidates.map((candidate) => ({ candidate, cost: distance(input, candidate) })).filter((entry) => entry.cost <= limit).sort((a, b) => a.cost - b.cost)
  return ranked[0]?.candidate ?? null
}

/** What to do instead of an extra word: `codex` takes Codex's own arguments after `--`; a text with spaces needs quotes. */
function extraHint(label: string, declared: number): string {
  if (label === 'codex') return ' Codex\'s own arguments go after --, as in `codex-shim codex -- exec "task"`.'
  return declared ? ' Quote an argument that contains spaces.' : ` "${label}" takes no arguments.`
}

function didYouMean(suggestion: string | null): string {
  return suggestion ? ` Did you mean "${suggestion}"?` : ''
}

/**
 * citty answers an unknown command, a missing one (`codex-shim model`) and a
 * missing argument (`codex-shim model use`) with the whole usage and exit 1,
 * and lets unknown options through silently. This walks the command line
 * first and returns one line naming the first unknown command or option (with
 * the closest known one), an argument beyond those the command declares, the
 * missing command or the missing argument, or null. Everything after `--`
 * belongs to the child program (`codex-shim codex -- …`) and is not checked;
 * with `--help` only unknown names are.
 */
export async function unknownArgument(command: CommandShape, rawArgs: string[], path: string[]): Promise<string | null> {
  const isRoot = path.length === 1
  const label = isRoot ? path[0]! : path.slice(1).join(' ')
  const help = `See \`${path.join(' ')} --help\`.`
  const args = (await resolved(command.args)) ?? {}
  const subCommands = (await resolved(command.subCommands)) ?? {}
  const options = new Map<string, boolean>([['--help', false], ['-h', false]]) // flag → takes a value
  if (isRoot) {
    options.set('--version', false)
    options.set('-v', false)
  }
  for (const [name, definition] of Object.entries(args)) {
    if (definition.type === 'positional') continue
    const takesValue = definition.type === 'string' || definition.type === 'enum'
    const aliases = typeof definition.alias === 'string' ? [definition.alias] : (definition.alias ?? [])
    for (const flag of [`--${name}`, `--${toKebab(name)}`, ...aliases.map((alias) => (alias.length === 1 ? `-${alias}` : `--${alias}`))]) options.set(flag, takesValue)
    if (definition.type === 'boolean') options.set(`--no-${name}`, false)
  }
  const declared = Object.values(args).filter((definition) => definition.type === 'positional')
  const wantsHelp = rawArgs.includes('--help') || rawArgs.includes('-h')
  let positionals = 0
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i]!
    if (arg === '--') break
    if (arg.startsWith('-') && arg !== '-') {
      const flag = arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg
      const takesValue = options.get(flag)
      if (takesValue === undefined) {
        const longOptions = [...options.keys()].filter((option) => option.startsWith('--') && !option.startsWith('--no-'))
        return `Unknown option "${flag}" for "${label}".${didYouMean(closestMatch(flag, longOptions))} ${help}`
      }
      if (takesValue && !arg.includes('=')) i++
      continue
    }
    if (!Object.keys(subCommands).length) {
      // citty keeps only the declared positionals and drops the rest without a word: an unquoted
      // task (`router explain fix the typo`) would be scored as "fix", and `codex exec "task"`
      // without `--` would open the interactive TUI with the task gone.
      if (positionals >= declared.length && !wantsHelp) return `Unexpected argument "${arg}" for "${label}".${extraHint(label, declared.length)} ${help}`
      positionals++ // a positional argument of this command
      continue
    }
    // Commands load lazily: resolve only the one named, unless it is unknown (aliases, suggestions).
    if (Object.hasOwn(subCommands, arg)) return unknownArgument(await resolved(subCommands[arg]!), rawArgs.slice(i + 1), [...path, arg])
    const names = new Map<string, CommandShape>()
    const visible: string[] = []
    for (const [name, entry] of Object.entries(subCommands)) {
      const sub = await resolved(entry)
      const meta = await resolved(sub.meta)
      names.set(name, sub)
      const aliases = typeof meta?.alias === 'string' ? [meta.alias] : (meta?.alias ?? [])
      for (const alias of aliases) names.set(alias, sub)
      if (!meta?.hidden) visible.push(name, ...aliases)
    }
    const sub = names.get(arg)
    if (!sub) return `Unknown command "${arg}"${isRoot ? '' : ` for "${label}"`}.${didYouMean(closestMatch(arg, visible))} ${help}`
    return unknownArgument(sub, rawArgs.slice(i + 1), [...path, arg])
  }
  if (wantsHelp) return null
  // The root alone is answered with its usage (cli.ts); a command group needs one of its commands.
  if (!isRoot && !command.run && Object.keys(subCommands).length) {
    const names: string[] = []
    for (const [name, entry] of Object.entries(subCommands)) if (!(await resolved((await resolved(entry)).meta))?.hidden) names.push(name)
    return `Missing command for "${label}": expected one of ${names.join(', ')}. ${help}`
  }
  const required = Object.entries(args).filter(([, definition]) => definition.type === 'positional' && definition.required !== false && definition.default === undefined)
  const missing = required[positionals]
  return missing ? `Missing argument ${missing[0].toUpperCase()} for "${label}". ${help}` : null
}

/** Exits 2 with one line when the command line names an unknown command or option, or misses a command or argument. */
export async function rejectUnknownArguments(command: CommandShape, rawArgs: string[], program: string): Promise<void> {
  const problem = await unknownArgument(command, rawArgs, [program])
  if (!problem) return
  log.error(problem)
  process.exit(2)
}
