import { describe, expect, test } from 'bun:test'
import { join } from 'node:path'
import { proxyStartPath } from '../../scripts/build.ts'
import { ledgerOnFirstUse } from '../../src/server/deps.ts'
import { lazyRoute, once } from '../../src/server/lazy-routes.ts'
import type { RouteContext } from '../../src/server/context.ts'
import type { Ledger } from '../../src/usage/ledger.ts'
import type { UsageRow } from '../../src/usage/row.ts'

const root = join(import.meta.dir, '../..')

describe('what the proxy loads before it answers /health (from the bundle the binary embeds)', async () => {
  const path = await proxyStartPath()

  test('the serve path is on it: the guard, finding the settings file, the server and its health answer', () => {
    for (const file of ['src/cli.ts', 'src/commands/_foreground.ts', 'src/daemon/foreground.ts', 'src/settings/read.ts', 'src/server/serve.ts', 'src/server/health.ts']) expect(path.files).toContain(file)
  })

  test('the settings parser (valibot, the schemas, the provider table) loads only when there is a file to parse', () => {
    expect(path.files.filter((file) => file.includes('/valibot/') || ['src/settings/parse.ts', 'src/settings/load.ts', 'src/settings/schema.ts', 'src/settings/normalize.ts', 'src/providers/index.ts'].includes(file))).toEqual([])
  })

  test('with a settings file to parse: the parser, and still no Node builtin and no provider’s code', async () => {
    const withSettings = await proxyStartPath(undefined, { withSettings: true })
    expect(withSettings.files).toEqual(expect.arrayContaining(['src/settings/parse.ts', 'src/settings/schema.ts', 'src/settings/normalize.ts', 'src/providers/index.ts']))
    expect(withSettings.files).not.toContain('src/settings/load.ts')
    expect(withSettings.builtins).toEqual([])
    expect(withSettings.files.filter((file) => /^src\/providers\/(?!index\.ts|types\.ts)/.test(file))).toEqual([])
  })

  test('with settings this build validated before: the normaliser, without valibot or the schemas (the router’s load only for a router)', async () => {
    const validated = await proxyStartPath(undefined, { withSettings: 'validated' })
    expect(validated.files).toEqual(expect.arrayContaining(['src/settings/parse-validated.ts', 'src/settings/normalize.ts', 'src/settings/keys.ts', 'src/providers/index.ts']))
    expect(validated.files.filter((file) => file.includes('/valibot/') || ['src/settings/schema.ts', 'src/settings/parse.ts', 'src/settings/load.ts', 'src/routing/router-settings.ts'].includes(file))).toEqual([])
    expect(validated.builtins).toEqual([])
  })

  test('citty and the command table are not: the proxy’s own command line is read without them', () => {
    expect(path.files.filter((file) => file.includes('/citty/') || ['src/commands/start.ts', 'src/commands/_serve.ts'].includes(file))).toEqual([])
  })

  test('the proxy itself, every provider’s code and every dialect load with the first request that is not /health', () => {
    const proxy = path.files.filter((file) => /^src\/(server\/(app|deps|front-door)\.ts|server\/routes\/|providers\/(?!index\.ts|types\.ts)|canonical\/|cursor\/|chatgpt\/(service|catalog|backend)\.ts|usage\/|routing\/(model-list|resolve|breaker)\.ts|responses-store\/|upstream\/http\.ts|dialects\/(chat|messages)\/)/.test(file))
    expect(proxy).toEqual([])
  })

  test('the control page, the client routes, stored responses, the router, TOML and consola’s reporters load on first use', () => {
    const firstUseOnly = [
      'src/ui/page.html',
      'src/ui/api.ts',
      'src/ui/server-deps.ts',
      'src/server/front-door.ts',
      'src/server/routes/responses.ts',
      'src/server/routes/chat-completions.ts',
      'src/server/routes/messages.ts',
      'src/server/routes/compact.ts',
      'src/responses-store/handlers.ts',
      'src/routing/router.ts',
      'src/usage/api.ts',
      'src/codex/config-block.ts',
      'src/tunnel/tunnel.ts',
      'node_modules/@iarna/toml/toml.js',
      'node_modules/consola/dist/index.mjs',
      'node_modules/consola/dist/core.mjs', // the proxy logs through its own small logger
    ]
    expect(path.files.filter((file) => firstUseOnly.includes(file))).toEqual([])
  })

  test('no Node builtin at all (node:fs alone costs a start ~2 ms): files, paths and log lines go through Bun', () => {
    expect(path.builtins).toEqual([])
  })

  test('no runtime module that costs start-up time and mapped pages: tty, streams, sockets, subprocesses', () => {
    expect(path.builtins.filter((name) => ['tty', 'node:tty', 'stream', 'node:stream', 'net', 'node:net', 'child_process', 'node:child_process', 'readline', 'node:readline', 'zlib', 'node:zlib'].includes(name))).toEqual([])
  })

  test('the rest of the bundle is in chunks the proxy never reads at start', () => {
    expect(path.bytes).toBeLessThan(path.totalBytes)
  })
})

describe('loaded on first use', () => {
  const row = { slug: 'm' } as unknown as UsageRow

  test('the usage ledger opens with the first row or read, once; a ledger never used closes without a file', () => {
    const appended: UsageRow[] = []
    let opened = 0
    const real: Ledger = { enabled: true, append: (entry) => void appended.push(entry), flush: () => appended.length, flushed: async () => appended.length, summarise: async () => ({ rows: [] }) as never, stats: () => ({ queued: appended.length, dropped: 0, written: 0 }), close: () => {} }
    const unused = ledgerOnFirstUse(() => (opened++, real))
    expect(unused.flush()).toBe(0)
    expect(unused.stats()).toEqual({ queued: 0, dropped: 0, written: 0 })
    unused.close()
    expect(opened).toBe(0)

    const ledger = ledgerOnFirstUse(() => (opened++, real))
    ledger.append(row)
    ledger.append(row)
    expect(opened).toBe(1)
    expect(appended).toEqual([row, row])
    expect(ledger.stats().queued).toBe(2)
    expect(ledger.flush()).toBe(2)
  })

  test('a lazy route imports its handler on the first request only; a failed import is retried, not cached', async () => {
    let loads = 0
    const route = lazyRoute(async () => {
      loads++
      if (loads === 1) throw new Error('chunk missing')
      return (context) => new Response(context.url.pathname)
    })
    const context = { url: new URL('http://127.0.0.1/v1/responses') } as RouteContext
    await expect(Promise.resolve(route(context))).rejects.toThrow('chunk missing')
    expect(await (await route(context)).text()).toBe('/v1/responses')
    expect(await (await route(context)).text()).toBe('/v1/responses')
    expect(loads).toBe(2)
  })

  test('once shares one load between callers that arrive together', async () => {
    let loads = 0
    const load = once(async () => ++loads)
    expect(await Promise.all([load(), load(), load()])).toEqual([1, 1, 1])
  })
})

describe('the logger without process.stdout', () => {
  const run = (script: string, env: Record<string, string> = {}) => Bun.spawnSync([process.execPath, '-e', script], { cwd: root, env: { ...process.env, NODE_ENV: 'production', ...env }, stdout: 'pipe', stderr: 'pipe' })

  test('plain lines in consola’s basic layout: warnings and errors on stderr, the rest on stdout, URLs redacted', () => {
    const result = run(`import { log } from './src/log.ts'; log.info('listening'); log.withTag('proxy').warn('upstream https://user:secret@example.com/v1?key=abc failed'); log.error(new Error('boom'))`)
    expect(result.stdout.toString()).toBe('[info] listening\n')
    const stderr = result.stderr.toString()
    expect(stderr).toStartWith('[warn] [proxy] upstream https://***@example.com/v1?key=*** failed\n[error] Error: boom\n')
    expect(stderr).not.toContain('secret')
  })

  test('consola’s levels, nested tags, log-object form and per-logger level, as consola’s own logger had them', () => {
    const script = `import { log } from './src/log.ts'; log.withTag('a').withTag('b').warn('x', 1); log.success('ok'); log.debug('hidden'); log.create({ level: 4 }).debug('shown'); log.info({ tag: 't', message: 'from an object' }); log.error(Object.assign(new Error('boom'), { stack: 'Error: boom' }))`
    const lines = (env: Record<string, string>) => run(script, { CODEX_SHIM_DAEMON: '1', ...env }).stdout.toString().replace(/^\S+Z /gm, '')
    expect(lines({})).toBe('WARN [a:b] x 1\nSUCCESS ok\nDEBUG shown\nINFO [t] from an object\nERROR Error: boom\n')
    // A logger made with its own level keeps it, whatever the environment says.
    expect(lines({ CODEX_SHIM_LOG_LEVEL: 'warn' })).toBe('WARN [a:b] x 1\nDEBUG shown\nERROR Error: boom\n')
    expect(lines({ CODEX_SHIM_LOG_LEVEL: 'silent' })).toBe('DEBUG shown\n')
  })

  test('the daemon writes timestamped lines to its log', () => {
    const result = run(`import { log } from './src/log.ts'; log.withTag('proxy').info('GET /health status=200')`, { CODEX_SHIM_DAEMON: '1' })
    expect(result.stdout.toString()).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO \[proxy\] GET \/health status=200\n$/)
  })

  test('isTerminal answers like isatty for a pipe (a pseudo-terminal: log-terminal.posix.test.ts)', () => {
    const script = `import { isTerminal } from './src/log.ts'; console.log(isTerminal(1), isTerminal(2))`
    expect(run(script).stdout.toString().trim()).toBe('false false')
  })
})
