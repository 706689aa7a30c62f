import { afterAll, beforeAll, describe, expect, test } from 'bun:test'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { readRouterPrompt, startClassifierUpstream } from '../fakes/classifier-upstream.ts'
import { startFakeChatUpstream, stream, textReply, type Json } from '../fakes/chat-upstream.ts'
import { clientDir, runCodexExec, stopDaemon } from '../support/spawn-client.ts'
import { freePort } from '../support/cli.ts'

/**
 * Fallbacks and the rest of the router's cases under the real Codex CLI
 * (`codex exec` through `codex-shim codex`): each failing primary is
 * replaced before the first byte, so Codex sees one clean answer from the
 * fallback; an image turn goes to the image-capable candidate; a repeated
 * task is a cache hit; a classifier that is down sends the task to the default.
 */

const root = join(process.env.CODEX_SHIM_TEST_ROOT!, 'e2e-fallback-codex')
const port = freePort()

const userText = (body: Json) => body.messages.filter((m: Json) => m.role === 'user').map((m: Json) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n')

// One fake for every model: its upstream model id says how it behaves.
const upstream = startFakeChatUpstream((body) => {
  switch (body.model) {
    case 'always-503':
      return { kind: 'error', status: 503, body: { error: { message: 'overloaded', type: 'server_error' } } }
    case 'rate-limited':
      return { kind: 'error', status: 429, body: { error: { message: 'rate limited', type: 'rate_limit_error' } }, headers: { 'retry-after': '3600' } }
    case 'small-context':
      return { kind: 'error', status: 400, body: { error: { message: 'This model\'s maximum context length is 8000 tokens.', type: 'invalid_request_error', code: 'context_length_exceeded' } } }
    default:
      return stream(textReply(`SERVED-BY ${body.model}${userText(body).includes('input_image') || JSON.stringify(body.messages).includes('image_url') ? ' with the image' : ''}.`))
  }
})
const classifier = startClassifierUpstream()
const env = { ...process.env, CODEX_SHIM_HOME: join(root, 'shim-home'), CODEX_HOME: join(root, 'codex-home') }
const chat = (slug: string, model: string, extra: Json = {}) => ({ slug, model, provider: 'generic-chat-completion-api', base_url: upstream.url, display_name: slug, ...extra })

beforeAll(() => {
  mkdirSync(env.CODEX_SHIM_HOME, { recursive: true })
  mkdirSync(env.CODEX_HOME, { recursive: true })
  writeFileSync(
    join(env.CODEX_SHIM_HOME, 'models.json'),
    JSON.stringify({
      models: [
        chat('backup', 'backup-upstream', { max_context_limit: 32000 }),
        chat('big', 'big-upstream', { max_context_limit: 400000 }),
        chat('tiny', 'tiny-upstream', { max_context_limit: 4000 }),
        { ...chat('refused', 'x'), base_url: 'http://127.0.0.1:9/v1', fallbacks: ['backup'] },
        chat('overloaded', 'always-503', { fallbacks: ['backup'] }),
        chat('limited', 'rate-limited', { fallbacks: ['backup'] }),
        chat('cramped', 'small-context', { max_context_limit: 8000, fallbacks: ['tiny', 'big'] }),
        chat('cheap-model', 'cheap-upstream', { no_image_support: true }),
        chat('strong-model', 'strong-upstream'),
        { slug: 'classifier', model: 'classifier-upstream', provider: 'generic-chat-completion-api', base_url: classifier.url },
      ],
      router: {
        enabled: true, slug: 'codex-auto', classifier: 'classifier', threshold: 0.7, default: 'cheap-model', cache: true,
        candidates: [
          { slug: 'cheap-model', cost: 0.3, supports_images: false, card: 'Fast. Single-file edits, small fixes.' },
          { slug: 'strong-model', cost: 5.0, supports_images: true, card: 'Frontier. Multi-file refactors, hard debugging.' },
        ],
      },
    }),
  )
})

afterAll(async () => {
  await stopDaemon(env)
  upstream.close()
  classifier.close()
})

const codexExec = (name: string, model: string, prompt: string, execArgs: string[] = []) => runCodexExec({ env, port, model, prompt, cwd: clientDir('e2e-fallback-codex', name), execArgs })

const daemonLog = () => readFileSync(join(env.CODEX_SHIM_HOME, 'codex-shim.log'), 'utf8')
const upstreamModelsFor = (keyword: string) => upstream.requests.filter((request) => userText(request.body).includes(keyword)).map((request) => request.body.model)
const classifierCallsFor = (keyword: string) => classifier.requests.filter((request) => readRouterPrompt(request.body).task.includes(keyword)).length

describe('fallbacks under codex exec', () => {
  test.each([
    ['a refused connection', 'refused', 'CASE-REFUSED', 'backup-upstream'],
    ['a 503 after the retries', 'overloaded', 'CASE-503', 'backup-upstream'],
    ['a 429 with a long retry-after', 'limited', 'CASE-429', 'backup-upstream'],
    ['a context overflow: past the smaller fallback to the larger one', 'cramped', 'CASE-CONTEXT', 'big-upstream'],
  ])('%s: Codex gets one clean answer from the fallback', async (_name, model, keyword, servedBy) => {
    const run = await codexExec(keyword.toLowerCase(), model, `${keyword} say hello`)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(`SERVED-BY ${servedBy}.`)
    // The failing primary was asked (and for 503, retried); the answer came from the fallback only.
    expect(upstreamModelsFor(keyword).at(-1)).toBe(servedBy)
    expect(upstreamModelsFor(keyword)).not.toContain('tiny-upstream')
    expect(daemonLog()).toMatch(new RegExp(`model=${model} .*status=200 .*served=${servedBy.replace('-upstream', '')}`))
  }, 120_000)
})

describe('the router under codex exec: images, cache, a classifier that is down', () => {
  test('an image turn goes to the image-capable candidate even for a small task', async () => {
    const dir = clientDir('e2e-fallback-codex', 'image')
    // A 1×1 PNG.
    writeFileSync(join(dir, 'dot.png'), Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'))
    const run = await codexExec('image', 'codex-auto', 'CASE-IMAGE fix a typo shown in this screenshot', ['-i', join(dir, 'dot.png'), '--'])
    if (run.code !== 0) console.error(run.stderr.slice(-2000), run.stdout.slice(-1000))
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('SERVED-BY strong-upstream with the image.')
  }, 120_000)

  test('the same task again is a cache hit: no second classifier call', async () => {
    const first = await codexExec('cache-1', 'codex-auto', 'CASE-CACHE fix a typo in notes.md')
    const second = await codexExec('cache-2', 'codex-auto', 'CASE-CACHE fix a typo in notes.md')
    expect([first.code, second.code]).toEqual([0, 0])
    expect(second.stdout).toContain('SERVED-BY cheap-upstream.')
    expect(classifierCallsFor('CASE-CACHE')).toBe(1)
  }, 120_000)

  test('a classifier that is down sends the task to the default; the turn still succeeds', async () => {
    const run = await codexExec('down', 'codex-auto', 'CASE-DOWN explode while you refactor across modules')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('SERVED-BY cheap-upstream.')
  }, 120_000)
})
