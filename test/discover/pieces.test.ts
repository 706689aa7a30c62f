import { describe, expect, test } from 'bun:test'
import { unifiedDiff } from '../../src/discover/diff.ts'
import { detectIndent, lineEndingOf, mergeGenerated, previousGenerated, renderSettings } from '../../src/discover/merge.ts'
import { labelForPrefix, normalizePrefix, opencodeGoDisplayName, opencodeGoSlug, prefixForBaseUrl } from '../../src/discover/names.ts'
import { classifyModel, keyRejected } from '../../src/discover/outcome.ts'
import { mapWithConcurrency } from '../../src/discover/pool.ts'
import { createProgress, formatElapsed } from '../../src/discover/progress.ts'
import { shortMessage } from '../../src/discover/upstream-text.ts'
import type { ProbeResult } from '../../src/discover/types.ts'

describe('names', () => {
  test.each([
    ['glm-5', 'ocgo-glm-5', 'OpenCode Go GLM 5'],
    ['kimi-k2.5', 'ocgo-kimi-k2-5', 'OpenCode Go Kimi K2.5'],
    ['qwen3.7-max', 'ocgo-qwen3-7-max', 'OpenCode Go Qwen3.7 Max'],
    ['deepseek-v4-pro', 'ocgo-deepseek-v4-pro', 'OpenCode Go DeepSeek V4 Pro'],
    ['minimax-m2.5', 'ocgo-minimax-m2-5', 'OpenCode Go MiniMax M2.5'],
    ['mimo-v2-flash', 'ocgo-mimo-v2-flash', 'OpenCode Go MiMo V2 Flash'],
    ['Weird__ID!!', 'ocgo-weird-id', 'OpenCode Go Weird__ID!!'],
    ['---', 'ocgo-model', 'OpenCode Go ---'],
  ])('%s → %s, "%s"', (id, slug, name) => {
    expect(opencodeGoSlug(id)).toBe(slug)
    expect(opencodeGoDisplayName(id)).toBe(name)
  })

  test.each([
    ['http://127.0.0.1:11434/v1', 'ollama-'],
    ['http://localhost:1234/v1', 'lmstudio-'],
    ['http://localhost:8000/v1', 'vllm-'],
    ['http://127.0.0.1:8080/v1', 'llamacpp-'],
    ['http://127.0.0.1:5555/v1', 'local-'],
    ['http://192.168.1.20:11434/v1', 'local-'],
    ['http://gpu-box:11434/v1', 'ollama-'],
    ['https://openrouter.ai/api/v1', 'openrouter-'],
    ['https://api.deepseek.com/v1', 'deepseek-'],
    ['https://api.moonshot.ai/v1', 'moonshot-'],
    ['https://api.z.ai/api/paas/v4', 'zai-'],
  ])('prefix for %s is %s', (url, prefix) => {
    expect(prefixForBaseUrl(url)).toBe(prefix)
  })

  test('prefixes as typed, and how they read', () => {
    expect(normalizePrefix('ollama')).toBe('ollama-')
    expect(normalizePrefix('My.')).toBe('my.')
    expect(normalizePrefix('-bad')).toBeNull()
    expect(normalizePrefix('a b')).toBeNull()
    expect(labelForPrefix('openrouter-')).toBe('OpenRouter')
    expect(labelForPrefix('zai-')).toBe('Z.ai')
    expect(labelForPrefix('mine-')).toBe('mine')
  })
})

describe('outcome', () => {
  const ok: ProbeResult = { kind: 'ok', status: 200 }
  const no: ProbeResult = { kind: 'rejected', status: 400, message: 'nope' }
  const busy: ProbeResult = { kind: 'unavailable', status: 429, message: '' }
  const silent: ProbeResult = { kind: 'timeout', afterMs: 20_000 }
  const order = ['chat', 'messages', 'responses'] as const
  test.each([
    ['both work: prefer wins', { chat: ok, messages: ok }, 'messages', { kind: 'ok', endpoint: 'messages' }],
    ['only messages works', { chat: no, messages: ok }, 'chat', { kind: 'ok', endpoint: 'messages' }],
    ['prefer not working: first working in order', { chat: ok, messages: no, responses: ok }, 'messages', { kind: 'ok', endpoint: 'chat' }],
    ['busy beats working elsewhere? no: working wins', { chat: busy, messages: ok }, 'chat', { kind: 'ok', endpoint: 'messages' }],
    ['429 and 4xx: unknown', { chat: busy, messages: no }, 'chat', { kind: 'unknown' }],
    ['timeout: unknown', { chat: silent, messages: silent }, 'chat', { kind: 'unknown' }],
    ['unreachable: unknown', { chat: { kind: 'unreachable', reason: 'ECONNREFUSED' }, messages: no }, 'chat', { kind: 'unknown' }],
    ['4xx everywhere: skipped', { chat: no, messages: no, responses: no }, 'chat', { kind: 'skipped' }],
  ] as const)('%s', (_name, probes, prefer, expected) => {
    expect(classifyModel(probes, order, prefer)).toEqual(expected)
  })

  test('a key refused on every probe is told apart from models that are not served', () => {
    const unauthorized: ProbeResult = { kind: 'rejected', status: 401, message: '' }
    expect(keyRejected([{ chat: unauthorized, messages: unauthorized }, { chat: unauthorized }])).toBe(401)
    expect(keyRejected([{ chat: unauthorized, messages: { kind: 'rejected', status: 400, message: '' } }])).toBeNull()
    expect(keyRejected([])).toBeNull()
  })
})

describe('merge', () => {
  const mine = { slug: 'mine', model: 'm', provider: 'openai' }
  const old = (model: string) => ({ slug: `g-${model}`, model, provider: 'anthropic', generated_by: 'me' })
  const isMine = (entry: Record<string, unknown>) => entry.generated_by === 'me'

  test('new rows take the place of the old ones; other rows and keys keep their order', () => {
    const document = { a: 1, models: [mine, old('x'), { model: 'free' }, old('y')], z: { deep: [1, 2] } }
    const fresh = [{ slug: 'g-x', model: 'x', generated_by: 'me' }, { slug: 'g-w', model: 'w', generated_by: 'me' }]
    const result = mergeGenerated(document, isMine, fresh)
    expect(Object.keys(result.document)).toEqual(['a', 'models', 'z'])
    expect(result.document.models).toEqual([mine, ...fresh, { model: 'free' }])
    expect(result.removed).toEqual(['g-y'])
    expect(document.models).toHaveLength(4) // the input is not mutated
  })

  test('a file without models gets one; a customModels-only file gets the rows there; rows in customModels are replaced too', () => {
    const row = { slug: 'g-x', model: 'x', generated_by: 'me' }
    expect(mergeGenerated({}, isMine, [row]).document).toEqual({ models: [row] })
    expect(mergeGenerated({ customModels: [mine] }, isMine, [row]).document).toEqual({ customModels: [mine, row] })
    expect(mergeGenerated({ models: [mine], customModels: [old('x')] }, isMine, [row]).document).toEqual({ models: [mine], customModels: [row] })
  })

  test('a slug a user row already has is not taken over', () => {
    const result = mergeGenerated({ models: [{ slug: 'g-x', model: 'hand-made', provider: 'openai' }, { model: 'G-Y!', provider: 'ollama' }] }, isMine, [{ slug: 'g-x', model: 'x' }, { slug: 'g-y', model: 'y' }, { slug: 'g-z', model: 'z' }])
    // `G-Y!` loads as slug `g-y`, so that one is taken too.
    expect(result.conflicts).toEqual([{ slug: 'g-x', owner: 'models[0]' }, { slug: 'g-y', owner: 'models[1]' }])
    expect(result.document.models).toEqual([{ slug: 'g-x', model: 'hand-made', provider: 'openai' }, { model: 'G-Y!', provider: 'ollama' }, { slug: 'g-z', model: 'z' }])
  })

  test('previous generated rows by model id; indentation detected', () => {
    expect([...previousGenerated({ models: [mine, old('x')], customModels: [old('y')] }, isMine).keys()]).toEqual(['x', 'y'])
    expect(detectIndent('{\n    "models": []\n}')).toBe('    ')
    expect(detectIndent('{\n\t"models": []\n}')).toBe('\t')
    // A file on one line stays on one line (it came back pretty-printed: every line in the diff).
    expect(detectIndent('{"models":[]}')).toBe(0)
    expect(detectIndent('{"models":[]}\n')).toBe(0)
    expect(lineEndingOf('{\r\n  "models": []\r\n}\r\n')).toBe('\r\n')
    expect(lineEndingOf('{\n  "models": []\r\n}\n')).toBe('\n')
    expect(renderSettings({ models: [] }, 2, '\r\n')).toBe('{\r\n  "models": []\r\n}\r\n')
    expect(detectIndent('')).toBe(2)
  })
})

describe('unifiedDiff', () => {
  test('hunks with context; nothing for equal texts', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\nh\n'
    const after = 'a\nB\nc\nd\ne\nf\ng\nh\ni\n'
    expect(unifiedDiff(before, after, { context: 1, fromLabel: 'old', toLabel: 'new' })).toBe('--- old\n+++ new\n@@ -1,3 +1,3 @@\n a\n-b\n+B\n c\n@@ -8,1 +8,2 @@\n h\n+i\n')
    expect(unifiedDiff(before, before)).toBe('')
    expect(unifiedDiff('', 'x\n')).toContain('+x')
  })

  // An audit: a re-run against a 3,000-model listing built a 9-million-cell table per side (2.3 GB).
  test('a large file with one changed line: only the middle is compared, the hunk is the same', () => {
    const rows = (changed: string) => Array.from({ length: 6000 }, (_, i) => (i === 3000 ? changed : `row ${i}`)).join('\n') + '\n'
    expect(unifiedDiff(rows('old'), rows('new'), { context: 1, fromLabel: 'a', toLabel: 'b' })).toBe('--- a\n+++ b\n@@ -3000,3 +3000,3 @@\n row 2999\n-old\n+new\n row 3001\n')
  })

  test('a middle too large to compare is shown removed, then added: still a correct diff', () => {
    const side = (tag: string) => Array.from({ length: 5000 }, (_, i) => `${tag} ${i}`).join('\n') + '\n'
    const diff = unifiedDiff(side('x'), side('y'))
    expect(diff.split('\n').filter((line) => line.startsWith('-x')).length).toBe(5000)
    expect(diff.split('\n').filter((line) => line.startsWith('+y')).length).toBe(5000)
  })
})

describe('progress', () => {
  const sink = (isTTY: boolean, columns?: number) => {
    const writes: string[] = []
    return { writes, sink: { isTTY, columns, write: (text: string) => void writes.push(text) } }
  }

  test('not a terminal: one plain line per finished model, no escape codes', () => {
    const { writes, sink: out } = sink(false)
    const progress = createProgress(2, out)
    progress.started('a')
    progress.started('b')
    progress.finished('b', 'chat 200 → chat')
    progress.finished('a', 'chat 400 → skipped')
    progress.stop()
    expect(writes.join('')).toBe('[1/2] b: chat 200 → chat\n[2/2] a: chat 400 → skipped\n')
  })

  test('a terminal: the bar redrawn in place with the count, the model in flight and the elapsed time', () => {
    let now = 1_000
    const { writes, sink: out } = sink(true, 200)
    const progress = createProgress(4, out, { now: () => now, redrawEveryMs: 60_000 })
    progress.started('glm-5')
    progress.started('kimi-k2.5')
    now += 65_000
    progress.finished('glm-5', 'ignored on a terminal')
    progress.stop()
    expect(writes).toEqual([
      '\r\x1b[2K░░░░░░░░░░░░░░░░░░░░ 0/4 probed · 0s',
      '\r\x1b[2K░░░░░░░░░░░░░░░░░░░░ 0/4 probed · glm-5 · 0s',
      '\r\x1b[2K░░░░░░░░░░░░░░░░░░░░ 0/4 probed · kimi-k2.5 +1 · 0s',
      '\r\x1b[2K█████░░░░░░░░░░░░░░░ 1/4 probed · kimi-k2.5 · 1m05s',
      '\r\x1b[2K',
    ])
  })

  test('a narrow terminal gets a cut line (a wrapped line cannot be redrawn)', () => {
    const { writes, sink: out } = sink(true, 30)
    createProgress(1, out, { redrawEveryMs: 60_000 }).stop()
    expect([...writes[0]!.replace('\r\x1b[2K', '')].length).toBeLessThan(30)
    expect(formatElapsed(59_999)).toBe('59s')
  })
})

describe('short upstream messages', () => {
  test('the error text only, one line, bounded, keys masked', () => {
    expect(shortMessage('{"type":"error","error":{"type":"ModelError","message":"Model x is not supported"}}')).toBe('ModelError: Model x is not supported')
    expect(shortMessage('{"error":{"message":"Incorrect API key provided: sk-abc123456789xyz","type":"invalid_request_error"}}')).toBe('invalid_request_error: Incorrect API key provided: sk-***')
    expect(shortMessage('{"error":"model \\"x\\" not found"}')).toBe('model "x" not found')
    expect(shortMessage('denied for secret-key-value', 'secret-key-value')).toBe('denied for ***')
    expect(shortMessage('<html><body>502</body></html>')).toBe('')
    expect(shortMessage('line one\nline two\u0007')).toBe('line one line two')
    expect(shortMessage('x'.repeat(500)).length).toBe(120)
  })
})

describe('mapWithConcurrency', () => {
  test('never more than the limit in flight; results in input order', async () => {
    let inFlight = 0
    let peak = 0
    const gates: (() => void)[] = []
    const running = mapWithConcurrency([1, 2, 3, 4, 5], 2, async (n) => {
      inFlight++
      peak = Math.max(peak, inFlight)
      await new Promise<void>((resolve) => gates.push(resolve))
      inFlight--
      return n * 10
    })
    while (gates.length || inFlight) {
      await Bun.sleep(0)
      gates.shift()?.()
    }
    expect(await running).toEqual([10, 20, 30, 40, 50])
    expect(peak).toBe(2)
  })

  test('stops taking work once aborted', async () => {
    const controller = new AbortController()
    const seen: number[] = []
    const run = mapWithConcurrency([1, 2, 3], 1, async (n) => {
      seen.push(n)
      controller.abort()
      return n
    }, controller.signal)
    await expect(run).rejects.toThrow()
    expect(seen).toEqual([1])
  })
})

describe('command arguments (an audit of the settings commands)', () => {
  test('--timeout below 0.1 s is refused (0.0001 became a 0 ms timeout); the environment variable is named when it is the source', async () => {
    const { parseProbeLimits } = await import('../../src/discover/command.ts')
    expect(() => parseProbeLimits({ timeout: '0.0001' })).toThrow('--timeout expects seconds from 0.1 to 600')
    const saved = process.env.CODEX_SHIM_PROBE_TIMEOUT
    process.env.CODEX_SHIM_PROBE_TIMEOUT = 'soon'
    try {
      expect(() => parseProbeLimits({})).toThrow('CODEX_SHIM_PROBE_TIMEOUT expects seconds')
    } finally {
      if (saved === undefined) delete process.env.CODEX_SHIM_PROBE_TIMEOUT
      else process.env.CODEX_SHIM_PROBE_TIMEOUT = saved
    }
    expect(parseProbeLimits({ timeout: '0.1' }).timeoutMs).toBe(100)
  })

  test('a key pasted where its variable\'s name goes is not repeated in the error', async () => {
    const { requireKey } = await import('../../src/discover/command.ts')
    const pasted = 'sk-live-PastedByMistake0123456789'
    let message = ''
    try {
      requireKey(pasted, '--key-env')
    } catch (error) {
      message = (error as Error).message
    }
    expect(message).toContain('not the key itself')
    expect(message).not.toContain(pasted)
  })
})

describe('listing pages and redirects (an audit of the settings commands)', () => {
  const base = { baseUrl: 'http://127.0.0.1:9/v1', label: 'test', timeoutMs: 1000, signal: new AbortController().signal }
  test('a paginated listing (has_more, last_id) is read to its end with after_id', async () => {
    const { listCatalog } = await import('../../src/discover/catalog.ts')
    const pages: Record<string, unknown> = {
      '': { data: [{ id: 'a' }, { id: 'b' }], has_more: true, last_id: 'b' },
      b: { data: [{ id: 'c' }], has_more: false, last_id: 'c' },
    }
    const asked: string[] = []
    const fetch = (async (url: string) => {
      const after = new URL(url).searchParams.get('after_id') ?? ''
      asked.push(after)
      return Response.json(pages[after])
    }) as unknown as typeof globalThis.fetch
    expect((await listCatalog({ ...base, fetch })).map((model) => model.id)).toEqual(['a', 'b', 'c'])
    expect(asked).toEqual(['', 'b'])
  })

  test('a server that says has_more but gives the same page again: refused, since part of the list would remove the rest', async () => {
    const { listCatalog } = await import('../../src/discover/catalog.ts')
    const fetch = (async () => Response.json({ data: [{ id: 'a' }], has_more: true, last_id: 'a' })) as unknown as typeof globalThis.fetch
    await expect(listCatalog({ ...base, fetch })).rejects.toThrow('gave the same page again')
  })

  test('a listed id or name holding control characters (terminal escapes) never reaches the report or the file', async () => {
    const { listCatalog } = await import('../../src/discover/catalog.ts')
    const fetch = (async () => Response.json({ data: [{ id: 'evil\u001b[2J\u001b]0;title\u0007' }, { id: 'ok-1', name: 'Nice\u001b[31m Name\u009b' }, { id: 'ok-2' }] })) as unknown as typeof globalThis.fetch
    const models = await listCatalog({ ...base, fetch })
    // An id is sent back to the server as is, so one with control characters is skipped, not rewritten.
    expect(models.map((model) => model.id)).toEqual(['ok-1', 'ok-2'])
    expect(models[0]!.name).toBe('Nice[31m Name')
  })

  test('a redirect says where it points and that it is not followed', async () => {
    const { listCatalog } = await import('../../src/discover/catalog.ts')
    const fetch = (async () => new Response(null, { status: 302, headers: { location: 'https://new.example/api/v1/models?key=secret' } })) as unknown as typeof globalThis.fetch
    const error = await listCatalog({ ...base, fetch }).catch((e: Error) => e)
    expect((error as Error).message).toContain('redirected (HTTP 302 to https://new.example/api/v1/models); redirects are not followed')
    expect((error as Error).message).not.toContain('secret')
  })
})

