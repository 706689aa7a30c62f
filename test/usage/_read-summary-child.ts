// Prints the summary `codex-shim usage` would show of the ledger at argv[2], or the error it would report.
import { readSummary } from '../../src/usage/ledger.ts'

try {
  console.log(JSON.stringify(readSummary(process.argv[2]!, { since: 0, by: 'model' })))
} catch (error) {
  console.log(JSON.stringify({ error: (error as Error).message }))
}
