import { defineCommand } from 'citty'
import { disableCodexConfig } from '../codex/manage-config.ts'
import { log } from '../log.ts'
import { verboseArgs } from './_args.ts'
import { runGuarded } from './_run.ts'

export default defineCommand({
  meta: { name: 'disable', description: 'Remove the codex-shim block from ~/.codex/config.toml and restore what it replaced' },
  args: { ...verboseArgs },
  run: ({ args }) =>
    runGuarded(args, () => {
      const change = disableCodexConfig()
      if (change.removed) log.success(`Removed ${change.path}: codex-shim had created it, and only its block was in it${change.backup ? `; backup at ${change.backup}` : ''}`)
      else if (change.changed) log.success(`Removed the codex-shim block from ${change.path}${change.backup ? `; backup at ${change.backup}` : ''}`)
      else log.info(`${change.path} has no codex-shim block; nothing to do`)
    }),
})
