import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { cursorArgs, spawnCursorAgent, type CursorSpawnOptions } from '../../src/cursor/spawn.ts'

// POSIX: the fake cursor-agent is a script run by its shebang, and these tests signal its process group.

const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')
// Resolved: on macOS the temporary folder is a link into /private/var, which the child's cwd reports.
const workspace = realpathSync(mkdtempSync(join(tmpdir(), 'cursor-spawn-')))

function run(mode: string, extra: Partial<CursorSpawnOptions> = {}, env: Record<string, string> = {}) {
  return spawnCursorAgent({ bin: fake, workspace, model: 'composer-2.5', prompt: '[USER]\nhello there', env: { ...process.env, FAKE_CURSOR_MODE: mode, ...env }, killGraceMs: 100, ...extra })
}

/** Dead, or a zombie nobody has reaped yet (it runs nothing). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // `ps` reads the state on Linux and macOS alike (macOS has no /proc).
  const state = Bun.spawnSync(['ps', '-o', 'stat=', '-p', String(pid)], { stdout: 'pipe', stderr: 'ignore' }).stdout.toString().trim()
  return state !== '' && !state.startsWith('Z')
}

/** Waits for a condition the test cannot await directly (an orphan being reaped), bounded. */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !check(); i++) await Bun.sleep(25)
  return check()
}

describe('spawning cursor-agent', () => {
  test('the prompt arrives on stdin and never in argv; flags, cwd and workspace as specified', async () => {
    const record = join(workspace, 'record.json')
    const child = run('echo', { resume: 'chat-1' }, { FAKE_CURSOR_RECORD: record })
    const out = await new Response(child.stdout).text()
    expect(await child.exited).toBe(0)
    expect(child.exitError()).toBeNull()
    const seen = JSON.parse(readFileSync(record, 'utf8'))
    expect(seen.stdin).toBe('[USER]\nhello there')
    expect(seen.argv).toEqual(cursorArgs({ workspace, model: 'composer-2.5', resume: 'chat-1' }))
    expect(seen.argv).toEqual(['--print', '--output-format', 'stream-json', '--stream-partial-output', '--force', '--trust', '--workspace', workspace, '--model', 'composer-2.5', '--resume', 'chat-1'])
    expect(seen.argv.join(' ')).not.toContain('hello there')
    expect(seen.cwd).toBe(workspace)
    expect(out).toContain('"session_id":"chat-1"')
  })

  test('CURSOR_API_KEY is removed from the child unless opted in', async () => {
    const record = join(workspace, 'key.json')
    const env = { FAKE_CURSOR_RECORD: record, CURSOR_API_KEY: 'key_stale' }
    const first = run('echo', {}, env)
    await new Response(first.stdout).text()
    expect(JSON.parse(readFileSync(record, 'utf8')).hasApiKey).toBe(false)
    const second = run('echo', { allowApiKey: true }, env)
    await new Response(second.stdout).text()
    expect(JSON.parse(readFileSync(record, 'utf8')).hasApiKey).toBe(true)
  })

  test('started: null once output flows; the classified error when it exits without output', async () => {
    const ok = run('echo')
    expect(await ok.started).toBeNull()
    await new Response(ok.stdout).text()

    const auth = await run('auth').started
    expect(auth?.kind).toBe('auth_expired')
    expect(auth?.message).toContain('cursor-agent login')

    const model = await run('stream', { model: 'gpt-9' }).started
    expect(model?.kind).toBe('bad_request')
    expect(model?.message).toContain('"gpt-9"')
    expect(model?.message).toContain('composer-2.5')
  })

  test('abort kills the child and its process group (a tool it started, and a leader that ignores SIGTERM)', async () => {
    const pidFile = join(workspace, 'abort.pid')
    const controller = new AbortController()
    const child = run('hang', { signal: controller.signal }, { FAKE_CURSOR_PID_FILE: pidFile })
    expect(await child.started).toBeNull()
    const [leader, grandchild] = readFileSync(pidFile, 'utf8').split(' ').map(Number) as [number, number]
    expect(leader).toBe(child.pid)
    expect(alive(leader)).toBe(true)
    expect(alive(grandchild)).toBe(true)
    controller.abort()
    await child.exited
    expect(child.killedBecause).toBe('the client closed the request')
    expect(() => process.kill(leader, 0)).toThrow()
    expect(await eventually(() => !alive(grandchild))).toBe(true)
    // The client left: a 499 in the log, not a timeout (504), which it was until the lifecycle audit.
    expect(child.exitError()).toMatchObject({ status: 499, message: 'The client closed the request.' })
  })

  test('the maximum run time kills a hung child', async () => {
    const pidFile = join(workspace, 'hang.pid')
    const child = run('hang', { maxRunMs: 200 }, { FAKE_CURSOR_PID_FILE: pidFile })
    const text = await new Response(child.stdout).text() // ends only once the process is gone
    expect(text).toContain('"subtype":"init"')
    const [leader, grandchild] = readFileSync(pidFile, 'utf8').split(' ').map(Number) as [number, number]
    expect(() => process.kill(leader, 0)).toThrow()
    expect(await eventually(() => !alive(grandchild))).toBe(true)
    expect(child.exitError()?.kind).toBe('upstream_timeout')
    expect(child.exitError()?.message).toContain('ran longer than 200 ms')
  })

  test('cancelling stdout stops the reading, not the run; a run that goes on is killed after lingerMs', async () => {
    const child = run('hang', { lingerMs: 200 }, { FAKE_CURSOR_PID_FILE: join(workspace, 'cancel.pid') })
    const reader = child.stdout.getReader()
    await reader.read()
    await reader.cancel('answer complete')
    expect(child.killedBecause).toBeNull()
    await child.exited
    expect(() => process.kill(child.pid, 0)).toThrow()
    expect(child.killedBecause).toBe('it was still running 200 ms after its answer')
  })

  test('a crash: stdout ends after the exit, and exitError carries the stderr reason', async () => {
    const child = run('crash')
    const text = await new Response(child.stdout).text()
    expect(text.trim().split('\n')).toHaveLength(8)
    const error = child.exitError()
    expect(error?.kind).toBe('upstream_stream')
    expect(error?.message).toBe('cursor-agent exited with code 1: Error: socket hang up (ECONNRESET).')
    expect(child.stderr()).toContain('socket hang up')
  })

  test('an already aborted request spawns nothing', () => {
    const controller = new AbortController()
    controller.abort()
    expect(() => run('echo', { signal: controller.signal })).toThrow('closed the request')
  })
})
