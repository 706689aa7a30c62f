import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeBody } from '../../src/canonical/decode.ts'
import type { ResponseObject, ResponsesEvent, ResponsesRequest } from '../../src/canonical/types.ts'
import { createCursorServices, openCursorTurn, type CursorTurnOptions } from '../../src/cursor/turn.ts'
import { ShimError } from '../../src/errors.ts'
import { collect } from '../support/golden.ts'
import { conversationTurn, environmentContext } from './_requests.ts'

// POSIX: the fake cursor-agent is a script run by its shebang.

const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')
const project = mkdtempSync(join(tmpdir(), 'cursor-turn-'))

function services(env: Record<string, string> = {}) {
  return createCursorServices({ ...process.env, CURSOR_AGENT_BIN: fake, ...env })
}

const request = (text = 'list the files'): ResponsesRequest => ({ model: 'cursor-composer-2.5', input: [environmentContext(project), { type: 'message', role: 'user', content: text }] })
const options = (extra: Partial<CursorTurnOptions> = {}): CursorTurnOptions => ({ slug: 'cursor-composer-2.5', threadId: null, signal: new AbortController().signal, killGraceMs: 100, ...extra })

async function events(turn: Awaited<ReturnType<typeof openCursorTurn>>): Promise<ResponsesEvent[]> {
  return collect(decodeBody(turn.stdout, turn.decoder, { format: 'ndjson', onAbort: turn.cancel }).events())
}
const terminal = (list: ResponsesEvent[]) => list.at(-1) as { type: string; response: ResponseObject }

describe('a cursor-agent turn end to end (fake cursor-agent)', () => {
  test('the recorded-shape stream through the NDJSON body decoder: text, reasoning summaries, usage; in the workspace', async () => {
    const turn = await openCursorTurn(request(), options(), services())
    expect(turn.workspace).toBe(project)
    const list = await events(turn)
    const last = terminal(list)
    expect(last.type).toBe('response.completed')
    expect(last.response.model).toBe('cursor-composer-2.5')
    const text = last.response.output.filter((item) => item.type === 'message').map((item) => (item as { content: { text: string }[] }).content[0]!.text).join('')
    expect(text).toBe("Let me look around. hahahaNow I'll edit it.Done: README.md has two lines.")
    expect(last.response.output.some((item) => item.type === 'function_call')).toBe(false)
    expect(last.response.usage?.output_tokens).toBe(42)
  })

  test('resume: the second turn of a thread continues the chat with only the new items', async () => {
    const shared = services({ FAKE_CURSOR_MODE: 'echo', FAKE_CURSOR_CHAT_ID: 'chat-from-turn-1' })
    const textOf = (list: ResponsesEvent[]) => terminal(list).response.output.map((item) => (item as { content?: { text: string }[] }).content?.[0]?.text ?? '').join('')
    const first = await openCursorTurn(conversationTurn(1, [], project), options({ threadId: 'thread-9' }), shared)
    expect(first.resumed).toBe(false)
    const firstText = textOf(await events(first))
    expect(firstText).toStartWith('resumed=no ')

    const second = await openCursorTurn(conversationTurn(2, [firstText], project), options({ threadId: 'thread-9' }), shared)
    expect(second.resumed).toBe(true)
    const secondText = textOf(await events(second))
    expect(secondText).toStartWith('resumed=chat-from-turn-1 ')
    const bytesFirst = Number(firstText.match(/bytes=(\d+)/)?.[1])
    const bytesSecond = Number(secondText.match(/bytes=(\d+)/)?.[1])
    expect(bytesSecond).toBeLessThan(bytesFirst / 4)
  })

  test('before any stream: unknown model, logged out, a missing workspace or binary are typed errors', async () => {
    const unknown = await openCursorTurn(request(), options({ slug: 'cursor-gpt-9' }), services()).catch((error: unknown) => error as ShimError)
    expect(unknown).toBeInstanceOf(ShimError)
    expect((unknown as ShimError).kind).toBe('bad_request')

    const empty = await openCursorTurn(request(), options(), services({ FAKE_CURSOR_MODELS: 'empty' })).catch((error: unknown) => error as ShimError)
    expect((empty as ShimError).kind).toBe('auth_expired')

    const auth = await openCursorTurn(request(), options(), services({ FAKE_CURSOR_MODE: 'auth' })).catch((error: unknown) => error as ShimError)
    expect((auth as ShimError).kind).toBe('auth_expired')
    expect((auth as ShimError).message).toContain('cursor-agent login')

    const nowhere = await openCursorTurn({ model: 'm', input: 'hi' }, options(), services()).catch((error: unknown) => error as ShimError)
    expect((nowhere as ShimError).kind).toBe('config')

    const missing = await openCursorTurn(request(), options(), services({ CURSOR_AGENT_BIN: '/nonexistent/cursor-agent' })).catch((error: unknown) => error as ShimError)
    expect((missing as ShimError).message).toContain('CURSOR_AGENT_BIN')
  })

  test('a crash mid-stream reaches the client as response.failed with the stderr reason', async () => {
    const turn = await openCursorTurn(request(), options(), services({ FAKE_CURSOR_MODE: 'crash' }))
    const last = terminal(await events(turn))
    expect(last.type).toBe('response.failed')
    expect(last.response.error?.message).toBe('cursor-agent exited with code 1: Error: socket hang up (ECONNRESET).')
  })

  test('the client going away mid-stream kills the run and frees its slot', async () => {
    const shared = services({ FAKE_CURSOR_MODE: 'hang', FAKE_CURSOR_PID_FILE: join(project, 'turn.pid'), CODEX_SHIM_CURSOR_CONCURRENCY: '1', CODEX_SHIM_CURSOR_QUEUE: '1' })
    const controller = new AbortController()
    const turn = await openCursorTurn(request(), options({ signal: controller.signal }), shared)
    expect(shared.limiter.active).toBe(1)
    const reader = decodeBody(turn.stdout, turn.decoder, { format: 'ndjson', onAbort: turn.cancel }).events().getReader()
    await reader.read()
    controller.abort()
    await reader.cancel('client gone')
    const [leader] = readFileSync(join(project, 'turn.pid'), 'utf8').split(' ').map(Number) as [number]
    // The slot is released when the process has exited; acquiring it proves both.
    const release = await shared.limiter.acquire()
    expect(() => process.kill(leader, 0)).toThrow()
    release()
  })
})

describe('a turn that leaves a tool running', () => {
  test('the answer ends at its result event even while a process the agent left behind holds its stdout open; that process is left alone', async () => {
    const { cursorAgentProvider, resetCursorServices } = await import('../../src/providers/cursor-agent.ts')
    const saved = { bin: process.env.CURSOR_AGENT_BIN, mode: process.env.FAKE_CURSOR_MODE, pids: process.env.FAKE_CURSOR_PID_FILE }
    const pidFile = join(project, 'background.pid')
    Object.assign(process.env, { CURSOR_AGENT_BIN: fake, FAKE_CURSOR_MODE: 'background-tool', FAKE_CURSOR_PID_FILE: pidFile })
    resetCursorServices()
    try {
      const context = { clientHeaders: new Headers(), signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {}, error() {} } }
      const opened = await cursorAgentProvider.open(request(), { slug: 'cursor-composer-2.5', model: { model: 'composer-2.5', slug: 'cursor-composer-2.5' } } as never, context as never)
      // The leftover `sleep 30` holds the pipe: without the end at the result event this never settles (the test times out).
      const list = await collect(opened.events())
      expect(terminal(list).type).toBe('response.completed')
      const [, tool] = readFileSync(pidFile, 'utf8').split(' ').map(Number) as [number, number]
      expect(() => process.kill(tool, 0)).not.toThrow()
      process.kill(tool, 'SIGKILL')
    } finally {
      for (const [key, value] of [['CURSOR_AGENT_BIN', saved.bin], ['FAKE_CURSOR_MODE', saved.mode], ['FAKE_CURSOR_PID_FILE', saved.pids]] as const) {
        if (value === undefined) delete process.env[key]
        else process.env[key] = value
      }
      resetCursorServices()
    }
  })
})
