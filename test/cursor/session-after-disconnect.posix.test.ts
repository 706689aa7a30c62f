import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeBody } from '../../src/canonical/decode.ts'
import type { ResponsesItem, ResponsesRequest } from '../../src/canonical/types.ts'
import { createCursorServices, openCursorTurn } from '../../src/cursor/turn.ts'
import { collect } from '../support/golden.ts'
import { environmentContext } from '../cursor/_requests.ts'

// POSIX: the fake cursor-agent is a script run by its shebang, and these tests signal its process group.

// A run the client abandoned (Esc in Codex, a dropped connection) leaves cursor-agent's chat with
// that turn's user message and part of an answer: the thread's next turn must not resume it (and
// re-send the abandoned message on top), but start a fresh chat with the whole conversation.
const fake = join(import.meta.dir, '../fakes/bin/cursor-agent')
const project = mkdtempSync(join(tmpdir(), 'cursor-session-disconnect-'))
const record = join(project, 'record.json')

const user = (text: string): ResponsesItem => ({ type: 'message', role: 'user', content: text })
const assistant = (text: string): ResponsesItem => ({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text }] })

describe('cursor sessions after a client disconnect', () => {
  test('a turn after an abandoned run does not --resume the chat that holds the half turn', async () => {
    const services = createCursorServices({ ...process.env, CURSOR_AGENT_BIN: fake, FAKE_CURSOR_MODE: 'by-prompt', FAKE_CURSOR_CHAT_ID: 'chat-1', FAKE_CURSOR_RECORD: record, FAKE_CURSOR_PID_FILE: join(project, 'pids') })
    const options = (signal: AbortSignal) => ({ slug: 'cursor-composer-2.5', threadId: 'thread-1', signal, killGraceMs: 100 })
    const base = [environmentContext(project), user('turn one')]

    // Turn 1 completes: its chat is remembered for the thread.
    const first = await openCursorTurn({ model: 'm', instructions: '[[fake:echo]]', input: base } as ResponsesRequest, options(new AbortController().signal), services)
    await collect(decodeBody(first.stdout, first.decoder, { format: 'ndjson', onAbort: first.cancel, endAfterTerminal: true }).events())

    // Turn 2 resumes chat-1 and hangs mid-answer; the client goes away.
    const turn2Input = [...base, assistant('answer one'), user('turn two [[fake:hang]]')]
    const controller = new AbortController()
    const second = await openCursorTurn({ model: 'm', instructions: '[[fake:echo]]', input: turn2Input } as ResponsesRequest, options(controller.signal), services)
    expect(second.resumed).toBe(true)
    const reader = decodeBody(second.stdout, second.decoder, { format: 'ndjson', onAbort: second.cancel, endAfterTerminal: true }).events().getReader()
    await reader.read()
    controller.abort()
    await reader.cancel('client gone')
    await Bun.sleep(300) // the 100 ms kill grace: turn two's group is gone before turn three
    const [, grandchild] = readFileSync(join(project, 'pids'), 'utf8').split(' ').map(Number)
    try { process.kill(grandchild!, 'SIGKILL') } catch {}

    // Turn 3 (Codex keeps the interrupted user message in its history).
    const turn3Input = [...turn2Input, user('turn three')]
    // (The instructions carry an echo marker: a fresh prompt starts with it and the fake answers at once;
    // an incremental one starts with turn two's hang marker, so the run is cancelled after reading the record.)
    const third = await openCursorTurn({ model: 'm', instructions: '[[fake:echo]]', input: turn3Input } as ResponsesRequest, options(new AbortController().signal), services)
    const sent = JSON.parse(readFileSync(record, 'utf8')) as { argv: string[]; stdin: string }
    third.cancel()
    try { process.kill(-third.pid, 'SIGKILL') } catch {}
    try { process.kill(Number(readFileSync(join(project, 'pids'), 'utf8').split(' ')[1]), 'SIGKILL') } catch {}
    // Should start afresh with the whole conversation, as after a failed run.
    expect({ resumed: third.resumed, argvHasResume: sent.argv.includes('--resume'), sendsTurnOne: sent.stdin.includes('turn one') }).toEqual({ resumed: false, argvHasResume: false, sendsTurnOne: true })
  }, 15_000)
})
