#!/usr/bin/env bun
/**
 * Start-up cost of the compiled binary: spawn → first 200 from /health for
 * `codex-shim start --foreground` (quiet; alone, with a ChatGPT login, with a
 * models.json this build validated before, and with one new to it), and for
 * the daemon as `start` runs it (`_serve`, logging at info to a file), against
 * a bare Bun.serve answering /health compiled the same way (the floor: Bun's
 * own start), plus our binary without bytecode. Runs interleave, in an order
 * that rotates each round (inTurns), so machine noise and a start's place in
 * the round hit every variant alike; the table shows medians. Then idle RSS after start-up, the whole
 * `codex-shim start` command (it spawns the daemon and returns once /health
 * answers and the pid file names it), and where the time goes: each module on
 * the start path imported alone in a fresh process, and the work the serve
 * path does before listening.
 *
 *   bun scripts/startup.ts [--binary dist/codex-shim-linux-x64] [--baseline OLDER_BINARY] [--runs 9] [--json-only]
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import packageJson from '../package.json' with { type: 'json' }
import { inTurns, rssSplitKiB } from './_harness.ts'
import { compile, freePort, hostTarget, proxyStartPath, startOnceWithSettings } from './build.ts'

const root = join(import.meta.dir, '..')
const argv = process.argv.slice(2)
const option = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined)
const runs = Math.max(9, Number(option('--runs') ?? 9))
const version = packageJson.version
const scratch = mkdtempSync(join(tmpdir(), 'codex-shim-startup-'))
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
}

/** The floor: the smallest program that answers /health, compiled like ours. */
async function buildBareServer(target: string): Promise<string> {
  const entry = join(scratch, 'bare.ts')
  writeFileSync(entry, [
    "const port = Number(process.argv[process.argv.indexOf('--port') + 1])",
    "Bun.serve({ hostname: '127.0.0.1', port, fetch: () => Response.json({ ok: true }) })",
    '',
  ].join('\n'))
  const outfile = join(scratch, 'bare-server')
  await compile(target, outfile, { entry, version })
  return outfile
}

interface Sample { ms: number; rssKiB: number; anonKiB: number; fileKiB: number; firstRequestMs: number | null }

/** A user's typical settings: a few models of different kinds (no key is read at start). */
const TYPICAL_SETTINGS = JSON.stringify({
  models: [
    { slug: 'deepseek', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1', api_key_env: 'DEEPSEEK_API_KEY' },
    { slug: 'claude', model: 'claude-sonnet-4-5', provider: 'anthropic', reasoning_effort: 'high' },
    { slug: 'qwen', model: 'qwen3-coder', provider: 'ollama' },
  ],
  aliases: { 'deepseek-fast': { slug: 'deepseek', reasoning_effort: 'low' } },
})

/** A ChatGPT login as `codex login` leaves it (the token is a dummy: /health only asks whether there is one). */
const CHATGPT_LOGIN = JSON.stringify({ auth_mode: 'chatgpt', tokens: { access_token: 'e30.e30.sig', refresh_token: 'r', account_id: 'a' } })

/**
 * One start: fresh homes, spawn, poll /health as fast as it answers, then idle RSS.
 * Quiet (warn level, output discarded) unless `daemon`: then as `codex-shim start`
 * runs it, `_serve` logging at info to a file, so the start-up line and each
 * /health line are part of what is timed.
 */
async function startOnce(command: string[], options: { settings?: string; validated?: string | null; daemon?: boolean; chatgpt?: boolean } = {}): Promise<Sample> {
  const { settings, validated, daemon, chatgpt } = options
  const home = mkdtempSync(join(scratch, 'home-'))
  mkdirSync(join(home, '.codex-shim'), { recursive: true })
  if (settings) writeFileSync(join(home, '.codex-shim', 'models.json'), settings)
  if (validated) writeFileSync(join(home, '.codex-shim', 'validated-settings'), validated, { mode: 0o600 })
  if (chatgpt) {
    mkdirSync(join(home, '.codex'), { recursive: true })
    writeFileSync(join(home, '.codex', 'auth.json'), CHATGPT_LOGIN, { mode: 0o600 })
  }
  const port = freePort()
  // As the daemon, the login services and the Docker image start it: with Bun's upstream request cap
  // already set (a bare `start --foreground` without it runs itself once more to set it).
  const env = { ...process.env, HOME: home, CODEX_SHIM_HOME: join(home, '.codex-shim'), CODEX_HOME: join(home, '.codex'), CODEX_SHIM_LOG_LEVEL: daemon ? 'info' : 'warn', BUN_CONFIG_MAX_HTTP_REQUESTS: '16384', ...(daemon && { CODEX_SHIM_DAEMON: '1' }) }
  const logFile = Bun.file(join(home, 'codex-shim.log'))
  const started = performance.now()
  const child = Bun.spawn([...command, '--port', String(port)], { env, stdout: daemon ? logFile : 'ignore', stderr: daemon ? logFile : 'pipe' })
  let ms = 0
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${command[0]} exited ${child.exitCode}: ${daemon ? await logFile.text() : await new Response(child.stderr as ReadableStream).text()}`)
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) {
        ms = performance.now() - started
        break
      }
    } catch {}
    await Bun.sleep(1)
  }
  await Bun.sleep(1000) // idle: let start-up garbage settle before reading RSS
  const rss = rssSplitKiB(child.pid)
  // What the first request after start pays once: codex-shim loads its routes, model list and services then.
  // With a ChatGPT login that request also asks the backend for the plan's models (over the
  // network, with retries): not the proxy's own cost, so not made.
  let firstRequestMs: number | null = null
  if (!chatgpt) {
    const askedAt = performance.now()
    await (await fetch(`http://127.0.0.1:${port}/v1/models`)).arrayBuffer()
    firstRequestMs = performance.now() - askedAt
  }
  child.kill('SIGTERM')
  await child.exited
  rmSync(home, { recursive: true, force: true })
  return { ms, rssKiB: rss.total, anonKiB: rss.anon, fileKiB: rss.file, firstRequestMs }
}

/**
 * The record a binary leaves of the settings it validated (settings/validated-record.ts),
 * from one start of its own with TYPICAL_SETTINGS: what every later start with the same
 * file finds. Null for a build that keeps none.
 */
async function validatedRecord(binary: string): Promise<string | null> {
  const home = mkdtempSync(join(scratch, 'prime-'))
  await startOnceWithSettings(binary, home, TYPICAL_SETTINGS)
  const file = Bun.file(join(home, '.codex-shim', 'validated-settings'))
  const record = (await file.exists()) ? await file.text() : null
  rmSync(home, { recursive: true, force: true })
  return record
}

/** Import cost of one module with its own dependencies, in a fresh `bun` (from source: includes transpiling). */
function importCostMs(specifier: string): number {
  const samples: number[] = []
  for (let index = 0; index < 3; index++) {
    const script = `const t = performance.now(); await import(${JSON.stringify(specifier)}); console.log(performance.now() - t)`
    const result = Bun.spawnSync([process.execPath, '-e', script], { cwd: root, env: { ...process.env, CODEX_SHIM_LOG_LEVEL: 'silent' }, stdout: 'pipe', stderr: 'pipe' })
    samples.push(Number(result.stdout.toString().trim().split('\n').at(-1)))
  }
  return median(samples)
}

/** The work `start --foreground` does before it listens, timed step by step in one process. */
function serveStepsMs(): Record<string, number> {
  const home = mkdtempSync(join(scratch, 'steps-'))
  const script = `
    const times = {}
    let t = performance.now()
    const { readSettings } = await import('./src/settings/read.ts'); times['import settings/read'] = performance.now() - t; t = performance.now()
    const { startServer } = await import('./src/server/serve.ts'); times['import server/serve'] = performance.now() - t; t = performance.now()
    await import('./src/daemon/foreground.ts'); times['import daemon/foreground (rest)'] = performance.now() - t; t = performance.now()
    const settings = await readSettings(undefined); times['readSettings() (no file)'] = performance.now() - t; t = performance.now()
    const started = startServer(settings, { host: '127.0.0.1', port: 0 }); times['startServer() (listens)'] = performance.now() - t; t = performance.now()
    const base = 'http://127.0.0.1:' + started.server.port
    await fetch(base + '/health'); times['first /health'] = performance.now() - t; t = performance.now()
    await fetch(base + '/v1/models'); times['first other request (loads the proxy: routes, model list, ChatGPT service)'] = performance.now() - t; t = performance.now()
    await fetch(base + '/v1/models'); times['the same request again'] = performance.now() - t
    started.stop()
    console.log(JSON.stringify(times))`
  const result = Bun.spawnSync([process.execPath, '-e', script], { cwd: root, env: { ...process.env, HOME: home, CODEX_SHIM_HOME: join(home, '.codex-shim'), CODEX_HOME: join(home, '.codex'), CODEX_SHIM_LOG_LEVEL: 'silent' }, stdout: 'pipe', stderr: 'pipe' })
  try {
    return JSON.parse(result.stdout.toString().trim().split('\n').at(-1) ?? '{}')
  } catch {
    return { failed: -1 }
  }
}

/** `codex-shim start` as a person runs it: the CLI spawns the daemon and returns once it is up; then `stop`. */
async function timeStartCommand(binary: string, count: number): Promise<{ median_ms: number; runs: number }> {
  const times: number[] = []
  for (let run = 0; run < count; run++) {
    const home = mkdtempSync(join(scratch, 'start-'))
    const env = { ...process.env, HOME: home, CODEX_SHIM_HOME: join(home, '.codex-shim'), CODEX_HOME: join(home, '.codex') }
    const port = String(freePort())
    const started = performance.now()
    const start = Bun.spawnSync([binary, 'start', '--port', port], { env, stdout: 'pipe', stderr: 'pipe' })
    times.push(performance.now() - started)
    Bun.spawnSync([binary, 'stop'], { env, stdout: 'ignore', stderr: 'ignore' })
    rmSync(home, { recursive: true, force: true })
    if (!start.success) throw new Error(`codex-shim start failed: ${start.stderr.toString()}`)
  }
  return { median_ms: Number(median(times).toFixed(1)), runs: count }
}

const host = hostTarget()
if (!host) throw new Error(`No build target for ${process.platform}-${process.arch}.`)
const built = resolve(option('--binary') ?? join(root, 'dist', host.name))
if (!existsSync(built)) {
  console.error(`No binary at ${built}. Build it with \`npm run build -- --single\` or pass --binary PATH.`)
  process.exit(2)
}
// Measured from a copy written now, like the bare server and the no-bytecode build beside it:
// on this machine the same bytes started 1–2 ms slower from a file written an hour earlier than
// from a fresh copy (its page-cache state), which would favour whichever file is newer.
const binary = join(scratch, host.name)
copyFileSync(built, binary)
// An older build beside this one, in the same rounds (copied too, for the same reason).
const baselineBuilt = option('--baseline')
const baseline = baselineBuilt ? join(scratch, 'baseline') : null
if (baselineBuilt && baseline) copyFileSync(resolve(baselineBuilt), baseline)
try {
  const plain = join(scratch, 'codex-shim-no-bytecode')
  await compile(host.target, plain, { version, bytecode: false })
  const variants: Record<string, string[]> = {
    'bare Bun.serve': [await buildBareServer(host.target)],
    'codex-shim': [binary, 'start', '--foreground'],
    'codex-shim (no bytecode)': [plain, 'start', '--foreground'],
    'codex-shim, models.json': [binary, 'start', '--foreground'],
    'codex-shim, new models.json': [binary, 'start', '--foreground'],
    'codex-shim, ChatGPT login': [binary, 'start', '--foreground'],
    'codex-shim daemon, logging': [binary, '_serve'],
    ...(baseline && {
      'baseline': [baseline, 'start', '--foreground'],
      'baseline, models.json': [baseline, 'start', '--foreground'],
      'baseline, ChatGPT login': [baseline, 'start', '--foreground'],
      'baseline daemon, logging': [baseline, '_serve'],
    }),
  }
  // `models.json`: the usual start, with a file this build validated before; `new models.json`: the first start after it changed.
  const records: Record<string, string | null> = { [binary]: await validatedRecord(binary), ...(baseline && { [baseline]: await validatedRecord(baseline) }) }
  const samples: Record<string, Sample[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]))
  // The order rotates every round: a start that follows another measures differently by its
  // place alone (the same binary measured 1.5 ms apart in two fixed places of one run).
  const order = Object.entries(variants)
  await inTurns(order.length, runs, 1, async (index) => {
    const [name, command] = order[index]!
    samples[name]!.push(await startOnce(command, { settings: name.endsWith('models.json') ? TYPICAL_SETTINGS : undefined, validated: name.endsWith(', models.json') ? records[command[0]!] : null, daemon: name.includes('daemon'), chatgpt: name.includes('ChatGPT') }))
  })

  const summary = Object.fromEntries(Object.entries(samples).map(([name, list]) => [name, {
    median_ms: Number(median(list.map((sample) => sample.ms)).toFixed(1)),
    min_ms: Number(Math.min(...list.map((sample) => sample.ms)).toFixed(1)),
    max_ms: Number(Math.max(...list.map((sample) => sample.ms)).toFixed(1)),
    idle_rss_mib: Number((median(list.map((sample) => sample.rssKiB)) / 1024).toFixed(1)),
    idle_anon_mib: Number((median(list.map((sample) => sample.anonKiB)) / 1024).toFixed(1)),
    // Pages of the executable itself: which runtime features and how much bytecode a start touched.
    idle_file_mib: Number((median(list.map((sample) => sample.fileKiB)) / 1024).toFixed(1)),
    first_request_ms: list[0]?.firstRequestMs === null ? null : Number(median(list.map((sample) => sample.firstRequestMs ?? 0)).toFixed(1)),
  }]))
  const startPath = await proxyStartPath(version)
  // Every module of ours the start path loads (from the bundle's own graph), each alone.
  const modules = startPath.files.filter((file) => file.startsWith('src/') && file !== 'src/cli.ts').map((file) => join(root, file))
  const importMs = Object.fromEntries(modules.map((specifier) => [specifier.replace(`${root}/`, ''), Number(importCostMs(specifier).toFixed(1))]))
  const startCommandMs = await timeStartCommand(binary, Math.max(7, Math.round(runs / 2)))
  const steps = Object.fromEntries(Object.entries(serveStepsMs()).map(([name, ms]) => [name, Number(ms.toFixed(1))]))

  if (!argv.includes('--json-only')) {
    console.log(`spawn → healthy /health, ${runs} starts each, interleaved (${host.name})\n`)
    const floor = summary['bare Bun.serve']!.median_ms
    console.log(`${'variant'.padEnd(26)} ${'median'.padStart(8)} ${'× bare'.padStart(7)} ${'min'.padStart(8)} ${'max'.padStart(8)} ${'idle RSS'.padStart(10)} ${'heap'.padStart(9)} ${'file'.padStart(9)} ${'1st /v1/models'.padStart(15)}`)
    for (const [name, row] of Object.entries(summary)) {
      console.log(`${name.padEnd(26)} ${`${row.median_ms} ms`.padStart(8)} ${`${(row.median_ms / floor).toFixed(2)}×`.padStart(7)} ${`${row.min_ms} ms`.padStart(8)} ${`${row.max_ms} ms`.padStart(8)} ${`${row.idle_rss_mib} MiB`.padStart(10)} ${`${row.idle_anon_mib} MiB`.padStart(9)} ${`${row.idle_file_mib} MiB`.padStart(9)} ${(row.first_request_ms === null ? '-' : `${row.first_request_ms} ms`).padStart(15)}`)
    }
    console.log(`\n\`codex-shim start\` (the CLI until the daemon is up), median of ${startCommandMs.runs}: ${startCommandMs.median_ms} ms`)
    console.log(`\nstart path (bundle): ${startPath.files.length} modules, ${(startPath.bytes / 1024).toFixed(0)} of ${(startPath.totalBytes / 1024).toFixed(0)} KiB; builtins ${startPath.builtins.join(' ') || 'none'}`)
    console.log('\nimport cost, each module alone in a fresh bun from source (ms, median of 3):')
    for (const [name, ms] of Object.entries(importMs).sort((a, b) => b[1] - a[1])) console.log(`  ${String(ms).padStart(7)}  ${name}`)
    console.log('\nserve path step by step, from source (ms):')
    for (const [name, ms] of Object.entries(steps)) console.log(`  ${String(ms).padStart(7)}  ${name}`)
    console.log('')
  }
  console.log(JSON.stringify({ startup: summary, start_command: startCommandMs, runs, binary: host.name, start_path: { modules: startPath.files.length, bytes: startPath.bytes, total_bytes: startPath.totalBytes, builtins: startPath.builtins }, import_ms: importMs, serve_steps_ms: steps }))
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
