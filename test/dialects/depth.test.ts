import { describe, expect, test } from 'bun:test'
import { MAX_JSON_DEPTH } from '../../src/canonical/json-depth.ts'
import { parseChatRequest } from '../../src/dialects/chat/to-canonical.ts'
import { parseMessagesRequest } from '../../src/dialects/messages/to-canonical.ts'
import { parseResponsesRequest } from '../../src/dialects/responses/api.ts'
import { createHandler } from '../../src/server/app.ts'
import { chatModel, post, settingsFrom, testDeps } from '../support/shim.ts'
import { shimErrorFrom } from '../support/errors.ts'

/** Absurdly deep bodies are a 400 naming where, at parse time, not a stack overflow (500) later. */
const nested = (levels: number) => '['.repeat(levels) + ']'.repeat(levels)
const bodies = (levels: number) => ({
  responses: `{"model":"fake","input":"hi","tools":[{"type":"function","name":"f","parameters":{"type":"object","x":${nested(levels)}}}]}`,
  chat: `{"model":"fake","messages":[{"role":"user","content":"hi","extra":${nested(levels)}}]}`,
  messages: `{"model":"fake","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"hi"}]},{"role":"assistant","content":[{"type":"tool_use","id":"t","name":"f","input":{"a":${nested(levels)}}}]}]}`,
})
const PARSE = {
  responses: (json: unknown) => parseResponsesRequest(json),
  chat: (json: unknown) => parseChatRequest(json),
  messages: (json: unknown) => parseMessagesRequest(json, { requireMaxTokens: true }),
}
const EXPECTED_PATH = { responses: 'tools[0].parameters.x[0]', chat: 'messages[0].extra[0][0]', messages: 'messages.1.content.0.input.a' }

describe('JSON nesting depth', () => {
  test.each(['responses', 'chat', 'messages'] as const)('%s: 100k levels → 400 naming the field path and the limit', (dialect) => {
    const error = shimErrorFrom(() => PARSE[dialect](JSON.parse(bodies(100_000)[dialect])))
    expect(error.kind).toBe('bad_request')
    expect(error.status).toBe(400)
    expect(error.message).toContain(EXPECTED_PATH[dialect])
    expect(error.message).toContain(`${MAX_JSON_DEPTH} levels`)
    expect(error.message.length).toBeLessThan(400) // the path is a prefix, not 100k segments
  })

  test.each(['responses', 'chat', 'messages'] as const)('%s: nesting within the limit still parses', (dialect) => {
    expect(() => PARSE[dialect](JSON.parse(bodies(40)[dialect]))).not.toThrow()
  })

  test('through the server: a 400 in each dialect, not a 500', async () => {
    const handle = createHandler(testDeps(settingsFrom([chatModel('http://127.0.0.1:9/v1')])))
    const deep = bodies(100_000)
    for (const [path, body] of [['/v1/responses', deep.responses], ['/v1/chat/completions', deep.chat], ['/v1/messages', deep.messages]] as const) {
      const response = await handle(post(path, body))
      expect(response.status).toBe(400)
      expect(await response.text()).toContain(`${MAX_JSON_DEPTH} levels`)
    }
  })
})
