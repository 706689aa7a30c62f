import { describe, expect, test } from 'bun:test'
import { createHandler } from '../../src/server/app.ts'
import { createCursorServices, openCursorTurn } from '../../src/cursor/turn.ts'
import { ShimError } from '../../src/errors.ts'
import { chatModel, get, settingsFrom, testDeps } from '../support/shim.ts'
import { resetCursorServices } from '../../src/providers/cursor-agent.ts'

// CODEX_SHIM_CURSOR_CONCURRENCY / _QUEUE are read where the Cursor services are built, which every
// model list does: a typo must fail Cursor runs only, with a message that says what to set, while
// /health (the daemon's own probe) and /v1/models keep answering.
const fake = new URL('../fakes/bin/cursor-agent', import.meta.url).pathname

describe('a bad CODEX_SHIM_CURSOR_CONCURRENCY', () => {
  test('/health and /v1/models keep answering', async () => {
    process.env.CURSOR_AGENT_BIN = fake
    process.env.CODEX_SHIM_CURSOR_CONCURRENCY = '0'
    resetCursorServices()
    try {
      const handle = createHandler(testDeps(settingsFrom([chatModel('http://127.0.0.1:9/v1')])))
      const health = await handle(get('/health'))
      const models = await handle(get('/v1/models'))
      expect({ health: health.status, models: models.status }).toEqual({ health: 200, models: 200 })
    } finally {
      delete process.env.CURSOR_AGENT_BIN
      delete process.env.CODEX_SHIM_CURSOR_CONCURRENCY
      resetCursorServices()
    }
  })

  test('a Cursor run fails before spawning, naming the variable, what it takes and the default', async () => {
    const services = createCursorServices({ ...process.env, CURSOR_AGENT_BIN: fake, CODEX_SHIM_CURSOR_QUEUE: 'eight' })
    const request = { model: 'cursor-composer-2.5', input: 'hi' }
    const refused = await openCursorTurn(request, { slug: 'cursor-composer-2.5', threadId: null, signal: new AbortController().signal }, services).catch((error: unknown) => error)
    expect(refused).toBeInstanceOf(ShimError)
    expect((refused as ShimError).kind).toBe('config')
    expect((refused as ShimError).message).toBe('CODEX_SHIM_CURSOR_QUEUE must be a positive whole number, not "eight". Fix it or unset it (default 8), then run `codex-shim restart`.')
  })
})
