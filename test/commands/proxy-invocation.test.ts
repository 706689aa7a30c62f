import { describe, expect, test } from 'bun:test'
import { parseArgs } from 'citty'
import { proxyInvocation } from '../../src/commands/_args.ts'
import serveCommand from '../../src/commands/_serve.ts'
import startCommand from '../../src/commands/start.ts'

/** What citty makes of the same line, for the flags the proxy reads. */
async function cittyReads(argv: string[]): Promise<Record<string, unknown>> {
  const command = argv[0] === '_serve' ? serveCommand : startCommand
  const parsed = parseArgs(argv.slice(1), (await command.args) as never) as Record<string, unknown>
  return Object.fromEntries(['port', 'host', 'settings', 'tunnel', 'tunnel-tool', 'verbose'].filter((name) => parsed[name] !== undefined && parsed[name] !== false).map((name) => [name, parsed[name]]))
}

describe('the proxy’s own command line, read without citty', () => {
  test.each([
    [['_serve', '--host', '127.0.0.1', '--port', '8765']],
    [['_serve', '--host', '0.0.0.0', '--port', '9000', '--settings', '/tmp/models.json', '--tunnel', '--tunnel-tool', 'ngrok']],
    [['start', '--foreground']],
    [['start', '--port=9123', '--foreground', '--verbose']],
    [['start', '--foreground', '--host=::1', '--settings', 'my models.json']],
    [['start', '--foreground', '--port', '0', '--tunnel']],
  ])('%j reads as citty reads it', async (argv) => {
    const direct = proxyInvocation(argv)
    expect(direct).not.toBeNull()
    expect(direct!.command).toBe(argv[0] as never)
    expect(direct!.args as Record<string, unknown>).toEqual(await cittyReads(argv))
  })

  test.each([
    [['start']], // the daemon's parent, not the proxy
    [['start', '--port', '9000']],
    [['start', '--foreground', '--help']],
    [['_serve', '-h']],
    [['_serve', '--foreground']], // not one of _serve's flags: citty says so
    [['start', '--foreground', '--prot', '9000']], // a typo gets citty's "did you mean"
    [['start', '--foreground', '--port']], // a value missing
    [['start', '--foreground', '--port', '--verbose']],
    [['start', '--foreground', '--port=']],
    [['start', '--foreground', '--port', '1', '--port', '2']], // a repeat
    [['start', '--foreground', '--foreground']],
    [['start', '--foreground', '--no-tunnel']],
    [['start', '--foreground', '--verbose=false']],
    [['start', '--foreground', 'extra']],
    [['list']],
    [[]],
  ])('%j is left to citty', (argv) => {
    expect(proxyInvocation(argv)).toBeNull()
  })
})
