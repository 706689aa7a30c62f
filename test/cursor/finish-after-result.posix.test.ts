import { describe, expect, test } from 'bun:test'
import { existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ResponsesRequest } from '../../src/canonical/types.ts'
import { collect } from '../support/golden.ts'
import { environmentContext } from '../cursor/_requests.ts'

// POSIX: the fake is a shell script that traps SIGTERM.

// The answer ends at cursor-agent's `result` event, but the process may still be saving its chat:
// it is left to exit by itself (within spawn.ts's linger limit), not SIGTERMed as if the client
// had gone away.
const fake = join(import.meta.dir, '../fakes/cursor-agent/linger-after-result')
const project = mkdtempSync(join(tmpdir(), 'cursor-linger-'))
const mark = join(project, 'mark')

describe('cursor-agent after its result event', () => {
  test('a successful run is left to finish by itself (not SIGTERMed as a client disconnect)', async () => {
    const { cursorAgentProvider, resetCursorServices } = await import('../../src/providers/cursor-agent.ts')
    Object.assign(process.env, { CURSOR_AGENT_BIN: fake, FAKE_MARK: mark })
    resetCursorServices()
    try {
      const request: ResponsesRequest = { model: 'cursor-composer-2.5', input: [environmentContext(project), { type: 'message', role: 'user', content: 'hi' }] }
      const context = { clientHeaders: new Headers(), signal: new AbortController().signal, log: { debug() {}, info() {}, warn() {}, error() {} } }
      const opened = await cursorAgentProvider.open(request, { slug: 'cursor-composer-2.5', model: { model: 'composer-2.5', slug: 'cursor-composer-2.5' } } as never, context as never)
      const list = await collect(opened.events())
      expect(list.at(-1)!.type).toBe('response.completed')
      // The fake writes TERM when signalled, else "saved" after its half second of work.
      for (let i = 0; i < 200 && !existsSync(mark); i++) await Bun.sleep(25)
      expect(existsSync(mark) ? readFileSync(mark, 'utf8').trim() : 'no mark').toBe('saved')
    } finally {
      delete process.env.CURSOR_AGENT_BIN
      delete process.env.FAKE_MARK
      resetCursorServices()
    }
  }, 10_000)
})
