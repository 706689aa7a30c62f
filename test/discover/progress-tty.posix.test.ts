import { afterAll, describe, expect, test } from 'bun:test'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { startFakeOpencodeGo, type FakeGoModel } from '../fakes/opencode-go.ts'
import { freshHome, spawnCommand } from './_spawn.ts'
import { onTerminal as runOnTerminal } from '../support/terminal.ts'

/**
 * The refresh as a person sees it: on a pseudo-terminal (Bun.spawn's
 * `terminal` option) it asks before spending the plan and redraws one bar;
 * piped, it prints one plain line per model and never an escape code.
 */

const KEY = 'sk-tty-planted-secret-424242'
const MODELS: FakeGoModel[] = [
  { id: 'glm-5', chat: 'ok', messages: 'reject' },
  { id: 'minimax-m2.5', chat: 'reject', messages: 'ok' },
  { id: 'busy-1', chat: 'rate-limit', messages: 'rate-limit' },
]
const fake = startFakeOpencodeGo({ key: KEY, models: MODELS })
afterAll(() => fake.close())

const runner = join(import.meta.dir, 'run-command.ts')

/** Runs the refresh on a pseudo-terminal; `answer` is typed once the prompt shows. */
function onTerminal(home: string, answer: string | null, args: string[] = []): Promise<{ code: number; screen: string }> {
  return runOnTerminal([process.execPath, runner, 'opencode-go', 'refresh', ...args], {
    env: { ...process.env, CODEX_SHIM_HOME: home, OPENCODE_GO_API_KEY: KEY, OPENCODE_GO_BASE_URL: fake.url, TERM: 'xterm-256color' },
    ...(answer !== null && { answer: { prompt: 'Probe now? [y/N]', text: answer } }),
  })
}

describe('refresh progress output', () => {
  test('on a terminal: asks first, then one bar redrawn in place, then the table', async () => {
    const { home, settings } = freshHome('tty')
    const { code, screen } = await onTerminal(home, 'y\r')
    expect(code).toBe(0)
    expect(screen).toContain('Probing sends up to 6 one-token requests (3 models × chat, messages) to OpenCode Go; each spends a little of your plan.')
    // Each redraw clears the line and starts over: count, model in flight, elapsed time.
    const frames = screen.split('\r\x1b[2K').slice(1).map((frame) => frame.split('\r\n')[0])
    expect(frames[0]).toMatch(/^░{20} 0\/3 probed · \d+s$/)
    expect(frames).toContainEqual(expect.stringMatching(/^█+░* 1\/3 probed( · \S+( \+\d)?)? · \d+s$/))
    expect(frames).toContainEqual(expect.stringMatching(/^█{20} 3\/3 probed · \d+s$/))
    expect(frames.some((frame) => /0\/3 probed · (glm-5|minimax-m2\.5|busy-1)/.test(frame!))).toBe(true)
    // No per-model lines on a terminal; the table follows the cleared bar.
    expect(screen).not.toContain('[1/3]')
    expect(screen).toMatch(/\r\x1b\[2KOpenCode Go: 3 models listed, 2 ready, 1 not verified, 0 skipped\.\r\n {2}SLUG/)
    expect(JSON.parse(readFileSync(settings, 'utf8')).models.map((m: any) => m.slug)).toEqual(['ocgo-glm-5', 'ocgo-minimax-m2-5'])
    expect(screen).not.toContain(KEY)
  })

  test('on a terminal, answering no probes nothing and writes nothing', async () => {
    const { home, settings } = freshHome('tty-no')
    const start = fake.requests.length
    const { code, screen } = await onTerminal(home, 'n\r')
    expect(code).toBe(1)
    expect(screen).toContain('Nothing probed, nothing written.')
    expect(fake.requests.slice(start).filter((r) => r.method === 'POST')).toHaveLength(0)
    expect(existsSync(settings)).toBe(false)
  })

  test('not a terminal: one plain line per model, no escape codes', async () => {
    const { home } = freshHome('plain')
    const run = await spawnCommand(['opencode-go', 'refresh', '--yes', '--concurrency', '1'], { CODEX_SHIM_HOME: home, OPENCODE_GO_API_KEY: KEY, OPENCODE_GO_BASE_URL: fake.url })
    expect(run.code).toBe(0)
    expect(run.output).not.toContain('\x1b')
    expect(run.stderr.trim().split('\n')).toEqual([
      '[1/3] glm-5: chat 200; messages 400 ModelError: Model glm-5 is not supported on /messages → chat',
      '[2/3] minimax-m2.5: chat 400 ModelError: Model minimax-m2.5 is not supported on /chat/completions; messages 200 → messages',
      '[3/3] busy-1: chat 429 RateLimitError: Rate limit exceeded, retry later; messages 429 RateLimitError: Rate limit exceeded, retry later → not verified',
    ])
  })
})
