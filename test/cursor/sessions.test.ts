import { describe, expect, test } from 'bun:test'
import type { ResponsesItem, ResponsesRequest } from '../../src/canonical/types.ts'
import { renderPrompt } from '../../src/cursor/prompt.ts'
import { CursorSessions, threadIdFrom } from '../../src/cursor/sessions.ts'
import { conversationTurn } from './_requests.ts'

const scope = { threadId: 'thread-1', model: 'composer-2.5', workspace: '/work/project' }

describe('cursor sessions', () => {
  test('a follow-up that extends the previous turn resumes with only the new items', () => {
    const sessions = new CursorSessions()
    const first = sessions.plan(conversationTurn(1, []), scope)
    expect(first.resume).toBeNull()
    first.commit('chat-1')
    const second = sessions.plan(conversationTurn(2, ['Answer 1']), scope)
    expect(second.resume).toBe('chat-1')
    expect(second.prompt.startsWith('[USER]\nStep 2:')).toBe(true)
    expect(second.prompt).not.toContain('Answer 1')
    expect(second.prompt).not.toContain('Follow the repository conventions')
  })

  test('an edited history, compaction, another model or workspace, or no thread id starts fresh', () => {
    const sessions = new CursorSessions()
    sessions.plan(conversationTurn(1, []), scope).commit('chat-1')
    const edited = conversationTurn(2, ['Answer 1'])
    ;(edited.input as ResponsesItem[])[2] = { type: 'message', role: 'user', content: 'Step 1, reworded' }
    expect(sessions.plan(edited, scope).resume).toBeNull()

    sessions.plan(conversationTurn(1, []), scope).commit('chat-1')
    const compacted: ResponsesRequest = { model: 'm', input: [{ type: 'compaction', encrypted_content: 'x' }, { type: 'message', role: 'user', content: 'summary' }, { type: 'message', role: 'user', content: 'next' }, { type: 'message', role: 'user', content: 'and more' }] }
    expect(sessions.plan(compacted, scope).resume).toBeNull()

    sessions.plan(conversationTurn(1, []), scope).commit('chat-1')
    expect(sessions.plan(conversationTurn(2, ['Answer 1']), { ...scope, model: 'gpt-5.5-high' }).resume).toBeNull()
    expect(sessions.plan(conversationTurn(2, ['Answer 1']), { ...scope, workspace: '/elsewhere' }).resume).toBeNull()
    expect(sessions.plan(conversationTurn(2, ['Answer 1']), { ...scope, threadId: 'another-client' }).resume).toBeNull()
    expect(sessions.plan(conversationTurn(2, ['Answer 1']), { ...scope, threadId: null }).resume).toBeNull()
    // The same request again (a retry of turn 1, nothing new) is not a follow-up either.
    expect(sessions.plan(conversationTurn(1, []), scope).resume).toBeNull()
  })

  test('a failed run forgets the chat: the retry starts fresh', () => {
    const sessions = new CursorSessions()
    sessions.plan(conversationTurn(1, []), scope).commit('chat-1')
    const second = sessions.plan(conversationTurn(2, ['Answer 1']), scope)
    expect(second.resume).toBe('chat-1')
    second.forget()
    expect(sessions.plan(conversationTurn(2, ['Answer 1']), scope).resume).toBeNull()
  })

  test('the map is bounded: the least recently used thread goes first', () => {
    const sessions = new CursorSessions(2)
    for (const threadId of ['a', 'b']) sessions.plan(conversationTurn(1, []), { ...scope, threadId }).commit(`chat-${threadId}`)
    sessions.plan(conversationTurn(1, []), { ...scope, threadId: 'a' }).commit('chat-a') // a is now the newest
    sessions.plan(conversationTurn(1, []), { ...scope, threadId: 'c' }).commit('chat-c')
    expect(sessions.size).toBe(2)
    expect(sessions.plan(conversationTurn(2, ['Answer 1']), { ...scope, threadId: 'b' }).resume).toBeNull()
    expect(sessions.plan(conversationTurn(2, ['Answer 1']), { ...scope, threadId: 'a' }).resume).toBe('chat-a')
  })

  test('the thread id comes from thread-id, else session-id', () => {
    expect(threadIdFrom(new Headers({ 'thread-id': 't', 'session-id': 's' }))).toBe('t')
    expect(threadIdFrom(new Headers({ 'session-id': 's' }))).toBe('s')
    expect(threadIdFrom(new Headers())).toBeNull()
  })

  test('10-turn conversation: prompt bytes sent with and without resume', () => {
    const sessions = new CursorSessions()
    const answers = Array.from({ length: 10 }, (_, i) => `Answer ${i + 1}: ${'I changed the parser and ran the tests. '.repeat(15)}`)
    let withResume = 0
    let withoutResume = 0
    const resumed: boolean[] = []
    for (let turn = 1; turn <= 10; turn++) {
      const request = conversationTurn(turn, answers)
      const plan = sessions.plan(request, scope)
      resumed.push(plan.resume !== null)
      withResume += Buffer.byteLength(plan.prompt)
      withoutResume += Buffer.byteLength(renderPrompt(request))
      plan.commit('chat-1')
    }
    console.log(`cursor sessions, 10 turns: ${withoutResume} prompt bytes without resume, ${withResume} with resume`)
    expect(resumed).toEqual([false, true, true, true, true, true, true, true, true, true])
    expect(withResume * 5).toBeLessThan(withoutResume)
  })
})
