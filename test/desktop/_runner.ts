// Runs one of the desktop commands as its own process, the way src/cli.ts will
// once it registers them: `bun test/desktop/_runner.ts patch-app --app X --no-sign`.
import { runMain } from 'citty'

const [name, ...rest] = process.argv.slice(2)
if (name !== 'patch-app' && name !== 'restore-app') throw new Error(`unknown command ${name}`)
const command = (await import(`../../src/commands/${name}.ts`)).default
process.argv = [process.argv[0]!, process.argv[1]!, ...rest]
await runMain(command)
