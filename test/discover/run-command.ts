/**
 * Runs `codex-shim opencode-go …` or `codex-shim discover …` as its own
 * process until src/cli.ts registers them: `bun run-command.ts opencode-go refresh --yes`.
 */
import { runMain } from 'citty'

const [which, ...rest] = process.argv.slice(2)
if (which === 'opencode-go') await runMain((await import('../../src/commands/opencode-go/index.ts')).default, { rawArgs: rest })
else if (which === 'discover') await runMain((await import('../../src/commands/discover.ts')).default, { rawArgs: rest })
else {
  console.error('usage: run-command.ts opencode-go|discover …')
  process.exit(2)
}
