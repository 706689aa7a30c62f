import { describe, expect, test } from 'bun:test'
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { decodeBody } from '../../src/canonical/decode.ts'
import type { ResponsesRequest } from '../../src/canonical/types.ts'
import { createCursorServices, openCursorTurn } from '../../src/cursor/turn.ts'
import { collect } from '../support/golden.ts'
import { environmentContext } from '../cursor/_requests.ts'
import { keyVariablesOf } from '../../src/settings/secrets.ts'
import { settingsFrom } from '../support/shim.ts'

// POSIX: the fake is a shell script.

// cursor-agent runs model-chosen shell commands without asking (--force): the proxy's own bearer
// token (CODEX_SHIM_TOKEN, which guards a tunnel) and the providers' default key variables are
// kept out of its environment, while the user's other variables reach it.
const fake = join(import.meta.dir, '../fakes/cursor-agent/env-dump')
const project = mkdtempSync(join(tmpdir(), 'cursor-child-env-'))
const envFile = join(project, 'env.txt')

describe('cursor-agent child environment', () => {
  test('the shim token and other providers\' keys are not handed to cursor-agent', async () => {
    const services = createCursorServices({
      ...process.env,
      CURSOR_AGENT_BIN: fake,
      FAKE_ENV_FILE: envFile,
      CODEX_SHIM_TOKEN: 'planted-shim-token-123',
      OPENAI_API_KEY: 'sk-planted-openai-456',
      ANTHROPIC_API_KEY: 'sk-ant-planted-789',
      OPENCODE_GO_API_KEY: 'planted-opencode-go-key',
      CURSOR_API_KEY: 'planted-cursor-key',
      PROJECT_SETTING: 'kept-for-the-project',
    })
    const request: ResponsesRequest = { model: 'm', input: [environmentContext(project), { type: 'message', role: 'user', content: 'hi' }] }
    const turn = await openCursorTurn(request, { slug: 'cursor-composer-2.5', threadId: null, signal: new AbortController().signal }, services)
    await collect(decodeBody(turn.stdout, turn.decoder, { format: 'ndjson', onAbort: turn.cancel, endAfterTerminal: true }).events())
    const env = readFileSync(envFile, 'utf8')
    const planted = ['planted-shim-token-123', 'sk-planted-openai-456', 'sk-ant-planted-789', 'planted-opencode-go-key', 'planted-cursor-key'].filter((secret) => env.includes(secret))
    expect(planted).toEqual([])
    expect(env).toContain('PROJECT_SETTING=kept-for-the-project')
  })

  test('so are the variables the settings name for keys', async () => {
    const services = createCursorServices({ ...process.env, CURSOR_AGENT_BIN: fake, FAKE_ENV_FILE: envFile, DEEPSEEK_API_KEY: 'sk-planted-deepseek', GROQ_KEY: 'planted-groq', PROJECT_SETTING: 'kept-for-the-project' })
    const settings = settingsFrom([
      { slug: 'ds', model: 'deepseek-chat', provider: 'generic-chat-completion-api', base_url: 'https://api.deepseek.com/v1', api_key_env: 'DEEPSEEK_API_KEY' },
      { slug: 'groq', model: 'llama', provider: 'generic-chat-completion-api', base_url: 'https://api.groq.com/openai/v1', api_key: 'Bearer-less ${GROQ_KEY}' },
    ])
    const request: ResponsesRequest = { model: 'm', input: [environmentContext(project), { type: 'message', role: 'user', content: 'hi' }] }
    const turn = await openCursorTurn(request, { slug: 'cursor-composer-2.5', threadId: null, signal: new AbortController().signal, withheldEnv: keyVariablesOf(settings) }, services)
    await collect(decodeBody(turn.stdout, turn.decoder, { format: 'ndjson', onAbort: turn.cancel, endAfterTerminal: true }).events())
    const env = readFileSync(envFile, 'utf8')
    expect(env).not.toContain('sk-planted-deepseek')
    expect(env).not.toContain('planted-groq')
    expect(env).toContain('PROJECT_SETTING=kept-for-the-project')
  })
})
