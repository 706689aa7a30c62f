import type { ManagerCommand } from '../../service/types.ts'

export const dryRunArgs = {
  'dry-run': { type: 'boolean', description: 'Print the file and the commands instead of changing anything' },
} as const

/** A command as a user would type it, for --dry-run and messages. */
export function showCommand(command: ManagerCommand): string {
  const words = command.argv.map((word) => (/^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`))
  return `  ${words.join(' ')}${command.mayFail ? '   (a failure here is fine)' : ''}`
}
