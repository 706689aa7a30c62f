import { afterAll, describe, expect, test } from 'bun:test'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startHostileUpstream } from '../fakes/hostile-upstream.ts'
import { freePort, freshHomes, runCli, type CliResult } from '../support/cli.ts'

/**
 * The daemon's lifecycle under what a busy developer does (an audit of it
 * found each case): several starts at once, a pid file that was damaged while
 * the daemon ran, `--port 0`, an IPv6 host, and a stop while a cursor-agent
 * run that ignores SIGTERM is in flight. Real processes, temporary homes.
 */
const cli = join(import.meta.dir, '../../src/cli.ts')
const fakeCursor = join(import.meta.dir, '../fakes/bin/cursor-agent')
const cleanups: (() => void)[] = []
afterAll(() => {
  for (const cleanup of cleanups.reverse()) cleanup()
}, 30_000)

type Homes = ReturnType<typeof freshHomes>

function homesWithSettings(name: string, models: unknown[] = [{ slug: 'fake', model: 'fake-model', provider: 'ollama' }]): Homes {
  const homes = freshHomes(name)
  writeFileSync(join(homes.CODEX_SHIM_HOME, 'models.json'), JSON.stringify({ models }))
  cleanups.push(() => runCli(['stop'], homes))
  return homes
}

/** `codex-shim …` as a process of its own, not waited for: to run several at once. */
async function runAsync(args: string[], env: Record<string, string>): Promise<CliResult> {
  const child = Bun.spawn([process.execPath, cli, ...args], { env: { ...process.env, ...env }, stdout: 'pipe', stderr: 'pipe' })
  const [stdout, stderr, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited])
  return { code, stdout, stderr, output: stdout + stderr }
}

const pidFile = (homes: Homes) => join(homes.CODEX_SHIM_HOME, 'codex-shim.pid')
const recorded = (homes: Homes) => JSON.parse(readFileSync(pidFile(homes), 'utf8')) as { pid: number; port: number; host: string }
const alive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}
const healthOn = (port: number, host = '127.0.0.1') =>
  fetch(`http://${host.includes(':') ? `[${host}]` : host}:${port}/health`).then((response) => response.json() as Promise<{ pid: number }>, () => null)

async function eventually(check: () => boolean | Promise<boolean>, ms = 5000): Promise<boolean> {
  for (const deadline = Date.now() + ms; Date.now() < deadline; await Bun.sleep(25)) if (await check()) return true
  return check()
}

describe('starts at the same moment take turns', () => {
  test('four starts on one port: one starts the daemon, the others find it running; all exit 0', async () => {
    const homes = homesWithSettings('race-same')
    const port = String(freePort())
    const runs = await Promise.all([1, 2, 3, 4].map(() => runAsync(['start', '--port', port], homes)))
    expect(runs.map((run) => run.code)).toEqual([0, 0, 0, 0])
    expect(runs.filter((run) => run.output.includes(' started (pid')).length).toBe(1)
    expect(runs.filter((run) => run.output.includes('already running')).length).toBe(3)
    const { pid } = recorded(homes)
    expect((await healthOn(Number(port)))?.pid).toBe(pid)
  })

  test('two starts on two ports: one daemon, which the pid file names and stop stops; none left on the other port', async () => {
    const homes = homesWithSettings('race-two')
    const [a, b] = [freePort(), freePort()]
    const runs = await Promise.all([a, b].map((port) => runAsync(['start', '--port', String(port)], homes)))
    expect(runs.map((run) => run.code)).toEqual([0, 0])
    const { pid, port } = recorded(homes)
    const other = port === a ? b : a
    expect(await healthOn(other)).toBeNull()
    expect(runCli(['stop'], homes).output).toContain(`stopped (pid ${pid})`)
    expect(await eventually(() => !alive(pid))).toBe(true)
  })
})

describe('a pid file damaged while the daemon runs', () => {
  test('status, stop and restart say so: no "not running", no second daemon', async () => {
    // The daemon's own repair held off, so the commands meet the damaged file.
    const homes = { ...homesWithSettings('damaged'), CODEX_SHIM_PID_FILE_CHECK_MS: '600000' }
    const port = freePort()
    expect(runCli(['start', '--port', String(port)], homes).code).toBe(0)
    const whole = readFileSync(pidFile(homes), 'utf8')
    const { pid } = recorded(homes)
    try {
      // A write cut short by a full disk, say: until now status said "not running" and restart started a second daemon.
      writeFileSync(pidFile(homes), whole.slice(0, 9))
      const status = runCli(['status'], homes)
      expect(status.code).toBe(1)
      expect(status.output).toContain('cannot be read')
      expect(status.output).not.toContain('not running.')
      const stop = runCli(['stop'], homes)
      expect(stop.code).toBe(1)
      expect(stop.output).toContain('cannot be read')
      expect(alive(pid)).toBe(true)
      writeFileSync(pidFile(homes), whole.slice(0, 9))
      const restart = runCli(['restart'], homes)
      expect(restart.code).not.toBe(0)
      expect(restart.output).toContain('cannot be read')
      expect(alive(pid)).toBe(true)
      expect((await healthOn(port))?.pid).toBe(pid)
    } finally {
      // `stop` cannot find it through the damaged file (the point of the test): it would outlive the suite.
      process.kill(pid, 'SIGTERM')
    }
  })

  test('the daemon writes it again: deleted, cut short or unreadable, status finds the daemon soon after', async () => {
    const homes = { ...homesWithSettings('repaired'), CODEX_SHIM_PID_FILE_CHECK_MS: '100' }
    const port = freePort()
    expect(runCli(['start', '--port', String(port)], homes).code).toBe(0)
    const { pid } = recorded(homes)
    const whole = () => {
      try {
        return recorded(homes).pid === pid
      } catch {
        return false
      }
    }
    require('node:fs').rmSync(pidFile(homes))
    expect(await eventually(whole)).toBe(true)
    writeFileSync(pidFile(homes), '{"pid":')
    expect(await eventually(whole)).toBe(true)
    require('node:fs').chmodSync(pidFile(homes), 0)
    // Root reads a mode-0 file anyway; either way the daemon's record must be readable again.
    expect(await eventually(whole)).toBe(true)
    expect(runCli(['status'], homes).output).toContain(`pid      ${pid}`)
  })
})

describe('a daemon that requires a token', () => {
  test('status and stop work without it: /health tells them it is up and its pid, and no more', async () => {
    const homes = homesWithSettings('token-daemon')
    const port = freePort()
    expect(runCli(['start', '--port', String(port)], { ...homes, CODEX_SHIM_TOKEN: 'daemon-token-0123456789' }).code).toBe(0)
    const { pid } = recorded(homes)
    const status = runCli(['status'], homes)
    expect(status.code).toBe(0)
    expect(status.output).toContain(`pid      ${pid}`)
    expect(status.output).toContain('it requires a token')
    expect(runCli(['status'], { ...homes, CODEX_SHIM_TOKEN: 'daemon-token-0123456789' }).output).toContain('models   1')
    expect(runCli(['stop'], homes).output).toContain(`stopped (pid ${pid})`)
    expect(await eventually(() => !alive(pid))).toBe(true)
  })
})

describe('addresses', () => {
  test('start --port 0: the daemon takes a free port, and start reports it (it waited 15 s, then killed a healthy daemon)', async () => {
    const homes = homesWithSettings('port-zero')
    const began = performance.now()
    const run = runCli(['start', '--port', '0'], homes)
    expect(run.code).toBe(0)
    const { port, pid } = recorded(homes)
    expect(port).toBeGreaterThan(0)
    expect(run.output).toContain(`started (pid ${pid}) on http://127.0.0.1:${port}`)
    expect((await healthOn(port))?.pid).toBe(pid)
    // Not a timing assertion on the proxy: the old code's 15 s wait is what this rules out.
    expect(performance.now() - began).toBeLessThan(12_000)
  })

  test('an IPv6 host is printed in brackets, as a URL', async () => {
    const homes = homesWithSettings('ipv6')
    const port = freePort()
    const run = runCli(['start', '--host', '::1', '--port', String(port)], homes)
    expect(run.code).toBe(0)
    expect(run.output).toContain(`on http://[::1]:${port}`)
    expect(runCli(['status'], homes).output).toContain(`url      http://[::1]:${port}`)
  })
})

describe('stop while answers stream', () => {
  test('each client gets its own dialect\'s error event saying why (they retry), not a cut connection', async () => {
    // An upstream that sends one delta, then holds the stream open: an answer still being written.
    const upstream = startHostileUpstream(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('data: {"id":"c1","object":"chat.completion.chunk","model":"m","choices":[{"index":0,"delta":{"role":"assistant","content":"Hel"}}]}\n\n'))
            },
          }),
          { headers: { 'content-type': 'text/event-stream' } },
        ),
    )
    cleanups.push(() => upstream.stop())
    const homes = homesWithSettings('drain', [{ slug: 'slow', model: 'm', provider: 'generic-chat-completion-api', base_url: `${upstream.url}/v1`, api_key: 'k-drain-0123456789' }])
    const port = freePort()
    expect(runCli(['start', '--port', String(port)], homes).code).toBe(0)
    const ask = (path: string, body: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then(async (response) => {
        const reader = response.body!.getReader()
        let text = ''
        // The first bytes, before the stop: the answer is in flight.
        text += new TextDecoder().decode((await reader.read()).value)
        return { text, rest: (async () => {
          try {
            for (let part = await reader.read(); !part.done; part = await reader.read()) text += new TextDecoder().decode(part.value)
            return { text, cut: false }
          } catch {
            return { text, cut: true }
          }
        })() }
      })
    const fast = await ask('/v1/chat/completions', { model: 'slow', messages: [{ role: 'user', content: 'hi' }], stream: true })
    const translated = await ask('/v1/responses', { model: 'slow', input: 'hi', stream: true })
    expect(runCli(['stop'], homes).code).toBe(0)
    const [chat, responses] = await Promise.all([fast.rest, translated.rest])
    expect(chat.cut).toBe(false)
    expect(chat.text).toContain('codex-shim is stopping')
    expect(responses.cut).toBe(false)
    expect(responses.text).toContain('event: response.failed')
    expect(responses.text).toContain('codex-shim is stopping')
  }, 30_000)
})

describe('stop during a cursor-agent run', () => {
  test('a run that ignores SIGTERM, and the tool it started, are gone when stop returns', async () => {
    const homes = homesWithSettings('cursor-stop', [{ slug: 'cur', model: 'composer-2.5', provider: 'cursor-agent' }])
    const workspace = join(homes.CODEX_SHIM_HOME, 'ws')
    const pids = join(homes.CODEX_SHIM_HOME, 'run.pids')
    require('node:fs').mkdirSync(workspace)
    const env = { ...homes, CURSOR_AGENT_BIN: fakeCursor, FAKE_CURSOR_MODE: 'hang', FAKE_CURSOR_PID_FILE: pids, CODEX_SHIM_CURSOR_WORKSPACE: workspace }
    const port = freePort()
    expect(runCli(['start', '--port', String(port)], env).code).toBe(0)
    const client = fetch(`http://127.0.0.1:${port}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'cur', input: 'hi', stream: true }) })
      .then((response) => response.text())
      .catch(() => '')
    expect(await eventually(() => require('node:fs').existsSync(pids), 10_000)).toBe(true)
    const [leader, tool] = readFileSync(pids, 'utf8').split(' ').map(Number) as [number, number]
    cleanups.push(() => {
      for (const pid of [leader, tool]) if (alive(pid)) process.kill(pid, 'SIGKILL')
    })
    expect(alive(leader) && alive(tool)).toBe(true)
    expect(runCli(['stop'], env).code).toBe(0)
    await client
    // Until now the daemon exited before its 3 s SIGKILL fired: both kept running under init.
    expect(await eventually(() => !alive(leader) && !alive(tool), 1000)).toBe(true)
  }, 30_000)
})
