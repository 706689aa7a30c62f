/**
 * A bounded, seeded mutation fuzzer over requests in the shapes real clients
 * send (Codex's captured-shape fixtures, chat and Messages requests with
 * tools, images, thinking and tool results). Each mutant goes through a
 * random front door to a healthy fake (chat, Anthropic or the ChatGPT backend), so the only way to get a 5xx, a hung
 * body or an unhandled rejection is a bug in the shim.
 *
 * FUZZ_ITERATIONS (default 3000) and FUZZ_SEED reproduce a run; a failure
 * prints the seed, iteration and mutant.
 */
import { afterAll, expect, test } from 'bun:test'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { ChatgptService } from '../../src/chatgpt/service.ts'
import { createHandler } from '../../src/server/app.ts'
import { makeJwt, nowS, writeAuth } from '../fakes/chatgpt-backend.ts'
import { startFaultUpstream } from '../fakes/fault-upstream.ts'
import { memoryLog, post, settingsFrom, testDeps } from '../support/shim.ts'

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS) || 3000
const SEED = Number(process.env.FUZZ_SEED) || 0x5eed_c0de

const upstream = startFaultUpstream()
const authPath = join(process.env.CODEX_HOME!, 'auth.json')
writeAuth(authPath, { access: makeJwt({ exp: nowS() + 3600 }), refresh: 'rt-fuzz' })
process.env.CODEX_SHIM_CHATGPT_BASE_URL = upstream.base
afterAll(() => {
  upstream.close()
  delete process.env.CODEX_SHIM_CHATGPT_BASE_URL
  rmSync(authPath, { force: true })
})
const log = memoryLog()
const handle = createHandler(
  testDeps(
    settingsFrom([
      { slug: 'to-chat', model: 'fake-model', provider: 'generic-chat-completion-api', base_url: upstream.base },
      { slug: 'to-claude', model: 'claude-fake', provider: 'anthropic', base_url: upstream.base, api_key: 'sk-ant-test' },
      { slug: 'to-chatgpt', model: 'gpt-5.5', provider: 'chatgpt' },
    ]),
    { log: log.logger, idleTimeoutMs: 2_000, chatgpt: new ChatgptService() },
  ),
)

/** mulberry32: small, fast, and the same sequence on every machine. */
function prng(seed: number) {
  let state = seed >>> 0
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  return { next, int: (n: number) => Math.floor(next() * n), pick: <T>(list: readonly T[]): T => list[Math.floor(next() * list.length)]! }
}

type Json = any
const fixtures = join(import.meta.dir, '..', 'fixtures', 'responses')
const responsesSeeds: Json[] = readdirSync(fixtures)
  .filter((name) => name.endsWith('.request.json'))
  .map((name) => JSON.parse(readFileSync(join(fixtures, name), 'utf8')))
const tools = [{ type: 'function', function: { name: 'exec_command', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } }, required: ['cmd'] } } }]
const png = 'data:image/png;base64,iVBORw0KGgo='
const chatSeeds: Json[] = [
  { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hi' }], stream: true, stream_options: { include_usage: true } },
  {
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: png, detail: 'high' } }] },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } }] },
      { role: 'tool', tool_call_id: 'call_1', content: 'a.txt' },
    ],
    tools,
    tool_choice: 'auto',
    parallel_tool_calls: true,
    reasoning_effort: 'high',
    max_completion_tokens: 500,
    response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' } } },
    stream: true,
  },
]
const messagesSeeds: Json[] = [
  { max_tokens: 1024, system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }], messages: [{ role: 'user', content: 'hi' }], stream: true, metadata: { user_id: 'u1' } },
  {
    max_tokens: 4096,
    thinking: { type: 'enabled', budget_tokens: 2048 },
    tools: [{ name: 'Bash', description: 'Run bash', input_schema: { type: 'object', properties: { command: { type: 'string' } } } }],
    tool_choice: { type: 'auto' },
    messages: [
      { role: 'user', content: [{ type: 'text', text: 'list files' }, { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } }] },
      { role: 'assistant', content: [{ type: 'thinking', thinking: 'I should run ls.', signature: 'sig' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
      { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'text', text: 'a.txt' }] }] },
    ],
    stream: true,
  },
]

const TYPES = ['message', 'function_call', 'function_call_output', 'custom_tool_call', 'reasoning', 'compaction', 'input_text', 'input_image', 'output_text', 'text', 'image', 'image_url', 'tool_use', 'tool_result', 'thinking', 'redacted_thinking', 'json_schema', 'function', 'custom', 'namespace', 'bogus', '', 'MESSAGE', 'constructor', '__proto__', 'toString']
const deep = (depth: number): Json => (depth === 0 ? 'leaf' : [deep(depth - 1)])
const VALUES: Json[] = [null, 0, -1, 1.5, 1e308, -0, 'x', '', '\u0000\ud800', true, false, [], {}, [null], { type: 'bogus' }, 'x'.repeat(100_000), deep(60), { __proto__: { polluted: true } }, '{"nested":"json"}']

/** Every [parent, key] in the tree, for picking a random node. */
function nodes(root: Json): [Json, string | number][] {
  const out: [Json, string | number][] = []
  const walk = (value: Json) => {
    if (Array.isArray(value)) value.forEach((child, index) => (out.push([value, index]), walk(child)))
    else if (value && typeof value === 'object') for (const key of Object.keys(value)) out.push([value, key]), walk(value[key])
  }
  walk(root)
  return out
}

function mutateTree(body: Json, random: ReturnType<typeof prng>): void {
  const all = nodes(body)
  if (!all.length) return
  const [parent, key] = random.pick(all)
  switch (random.int(5)) {
    case 0:
      parent[key] = structuredClone(random.pick(VALUES))
      break
    case 1:
      if (Array.isArray(parent)) parent.splice(key as number, 1)
      else delete parent[key]
      break
    case 2:
      if (Array.isArray(parent)) parent.splice(key as number, 0, structuredClone(parent[key as number]))
      else parent[`${key}_copy`] = parent[key]
      break
    case 3: {
      const objects = all.filter(([p, k]) => p[k] && typeof p[k] === 'object' && !Array.isArray(p[k]))
      if (objects.length) {
        const [p, k] = random.pick(objects)
        p[k].type = random.pick(TYPES)
      }
      break
    }
    default: {
      const [otherParent, otherKey] = random.pick(all)
      ;[parent[key], otherParent[otherKey]] = [structuredClone(otherParent[otherKey]), structuredClone(parent[key])]
    }
  }
}

function mutateText(text: string, random: ReturnType<typeof prng>): string | Uint8Array {
  const at = random.int(text.length + 1)
  switch (random.int(3)) {
    case 0:
      return text.slice(0, at)
    case 1: {
      const bytes = new TextEncoder().encode(text)
      const out = new Uint8Array(bytes.length + 1)
      out.set(bytes.subarray(0, at))
      out[at] = random.int(256)
      out.set(bytes.subarray(at), at + 1)
      return out
    }
    default:
      return text.slice(0, at) + random.pick(['"', '}', ']', ',', '\\', '\u2028', 'null']) + text.slice(at + 1)
  }
}

const DOORS = [
  { path: '/v1/responses', seeds: responsesSeeds },
  { path: '/v1/responses/compact', seeds: responsesSeeds },
  { path: '/v1/chat/completions', seeds: chatSeeds },
  { path: '/v1/messages', seeds: messagesSeeds },
  { path: '/v1/messages/count_tokens', seeds: messagesSeeds },
] as const

test(`${ITERATIONS} mutated requests through every front door: no 5xx, no hang, no unhandled rejection`, async () => {
  const rejections: unknown[] = []
  const onRejection = (reason: unknown) => rejections.push(reason)
  process.on('unhandledRejection', onRejection)
  const random = prng(SEED)
  const statuses = new Map<number, number>()
  try {
    for (let iteration = 0; iteration < ITERATIONS; iteration++) {
      const door = random.pick(DOORS)
      const body = structuredClone(random.pick(door.seeds))
      body.model = random.next() < 0.05 ? random.pick(VALUES) : random.pick(['to-chat', 'to-claude', 'to-chatgpt'])
      if (!body.input && door.path.startsWith('/v1/responses')) body.input = 'hi'
      const rounds = 1 + random.int(3)
      for (let i = 0; i < rounds; i++) mutateTree(body, random)
      let payload: string | Uint8Array = JSON.stringify(body) ?? 'null'
      if (random.next() < 0.15) payload = mutateText(payload, random)
      const response = await handle(post(door.path, payload))
      // Bodies are read to the end: a stream that never finishes fails the test by timeout.
      const text = await response.text()
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1)
      if (response.status >= 500 || (response.status >= 400 && !/"message"/.test(text))) {
        throw new Error(`seed ${SEED} iteration ${iteration}: ${door.path} answered ${response.status}: ${text.slice(0, 300)}\n${log.lines.filter((line) => /unexpected error/.test(line)).at(-1) ?? ''}\nmutant: ${(typeof payload === 'string' ? payload : new TextDecoder().decode(payload)).slice(0, 2000)}`)
      }
    }
    await Bun.sleep(50)
  } finally {
    process.off('unhandledRejection', onRejection)
  }
  expect(rejections).toEqual([])
  expect(log.lines.filter((line) => /unexpected error/.test(line))).toEqual([])
  // The corpus must exercise both outcomes, or the fuzzer is not reaching the translators.
  expect([...statuses.keys()].some((status) => status === 200)).toBe(true)
  expect([...statuses.keys()].some((status) => status === 400)).toBe(true)
  console.log(`fuzz: ${ITERATIONS} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}`)
}, 120_000)
