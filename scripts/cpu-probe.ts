#!/usr/bin/env bun
/**
 * `bun scripts/cpu-probe.ts [route-regex]`: CPU per small request, in µs, for
 * this build and (BENCH_BASELINE; BENCH_BASELINE_RESPONSES=1 gives it this wave's settings too)
 * an older one, beside a bare Bun pass-through
 * (the floor: one `fetch` and the body handed back). Many requests per side,
 * taken in turns, with CPU read to the nanosecond (cpuMeter).
 * CPU_PROFILE=1 starts this build with `--cpu-prof-md` into /tmp/codex-shim-prof.
 */
import { join } from 'node:path'
import { cpuPerRequestUs, startHarness } from './_harness.ts'

const root = join(import.meta.dir, '..')
const COUNT = Number(process.env.CPU_PROBE_COUNT ?? 3000)
// Requests each side serves first, per route. The default leaves the compilers busy (see the jit figure);
// CPU_PROBE_WARM=30000 measures the steady state of a proxy that has served a while.
const WARM = Number(process.env.CPU_PROBE_WARM ?? 200)
const profile = process.env.CPU_PROFILE === '1'
// As in the bench: a baseline with this wave's providers gets the same settings (the router and the
// fallback model included), so that both sides do the same work per request.
const baselineResponses = process.env.BENCH_BASELINE_RESPONSES === '1'
const { shimUrl, shim, baseline, chatFake, anthropicFake, backendFake, stop } = await startHarness({
  baseline: process.env.BENCH_BASELINE || undefined,
  responses: baselineResponses,
  command: profile ? [process.execPath, '--cpu-prof-md', '--cpu-prof-interval=100', '--cpu-prof-dir=/tmp/codex-shim-prof', join(root, 'src/cli.ts')] : undefined,
})
const json = { 'content-type': 'application/json' }
const prompt = 'deltas=5'
const chat = (model: string) => JSON.stringify({ model, stream: true, messages: [{ role: 'user', content: prompt }] })
const messages = (model: string) => JSON.stringify({ model, max_tokens: 100, stream: true, messages: [{ role: 'user', content: prompt }] })
const responses = (model: string) => JSON.stringify({ model, stream: true, store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] }] })
/**
 * An agent's turn as Cursor or Aider sends it (~26 KB): a system prompt, 20 tools, and 13 rounds
 * of user text, a tool call and its output, ending with the prompt. Where per-request work that
 * grows with the body shows (validating, copying, translating it).
 */
function agentChat(model: string): string {
  const tools = Array.from({ length: 20 }, (_, i) => ({ type: 'function', function: { name: `tool_${i}`, description: 'Reads or edits files in the workspace. '.repeat(6), parameters: { type: 'object', properties: { path: { type: 'string', description: 'a path' }, content: { type: 'string' } }, required: ['path'] } } }))
  const messages: unknown[] = [{ role: 'system', content: 'You are a coding agent working in a repository. '.repeat(40) }]
  for (let round = 0; round < 13; round++) {
    messages.push({ role: 'user', content: 'Please fix the failing test in src/parser.ts. '.repeat(6) })
    messages.push({ role: 'assistant', content: null, tool_calls: [{ id: `call_${round}`, type: 'function', function: { name: 'tool_1', arguments: JSON.stringify({ path: 'src/parser.ts', content: 'x'.repeat(300) }) } }] })
    messages.push({ role: 'tool', tool_call_id: `call_${round}`, content: 'export function parse() {}\n'.repeat(12) })
  }
  messages.push({ role: 'user', content: prompt })
  return JSON.stringify({ model, stream: true, messages, tools })
}
/** Codex's turn as it reaches the ChatGPT passthrough (~74 KB): its instructions, tools and 25 rounds of reasoning, a shell call and its output. */
function codexTurn(model: string): string {
  const tools = Array.from({ length: 12 }, (_, i) => ({ type: 'function', name: `tool_${i}`, description: 'Runs a command in the workspace. '.repeat(8), strict: false, parameters: { type: 'object', properties: { command: { type: 'array', items: { type: 'string' } } }, required: ['command'] } }))
  const input: unknown[] = [{ type: 'message', role: 'developer', content: [{ type: 'input_text', text: '<permissions instructions> '.repeat(120) }] }]
  for (let round = 0; round < 25; round++) {
    input.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Fix the failing test and run it. '.repeat(6) }] })
    input.push({ type: 'reasoning', summary: [{ type: 'summary_text', text: 'Looking at the parser. '.repeat(8) }], encrypted_content: `gAAAA${'x'.repeat(900)}` })
    input.push({ type: 'function_call', call_id: `call_${round}`, name: 'tool_0', arguments: JSON.stringify({ command: ['bash', '-lc', 'cat src/parser.ts'] }) })
    input.push({ type: 'function_call_output', call_id: `call_${round}`, output: 'export function parse() {}\n'.repeat(30) })
  }
  input.push({ type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] })
  return JSON.stringify({ model, instructions: 'You are Codex. '.repeat(300), input, tools, tool_choice: 'auto', parallel_tool_calls: false, reasoning: { effort: 'medium', summary: 'auto' }, store: false, stream: true, include: ['reasoning.encrypted_content'], prompt_cache_key: 'cache-1' })
}
const floorPort = 20000 + Math.floor(Math.random() * 20000)
const floor = Bun.spawn([process.execPath, '-e', `
  const upstream = ${JSON.stringify(`http://127.0.0.1:${chatFake.port}`)}
  Bun.serve({ hostname: '127.0.0.1', port: ${floorPort}, async fetch(request) {
    const body = await request.text()
    const answer = await fetch(upstream + new URL(request.url).pathname, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
    return new Response(answer.body, { status: answer.status, headers: { 'content-type': answer.headers.get('content-type') ?? 'text/event-stream' } })
  } })`], { stdout: 'ignore', stderr: 'inherit' })
for (;;) {
  try { await fetch(`http://127.0.0.1:${floorPort}/v1/chat/completions`, { method: 'POST', body: chat('m') }); break } catch { await Bun.sleep(5) }
}

const ROUTES: { name: string; path: string; headers: Record<string, string>; body: string; responses?: boolean }[] = [
  { name: 'Chat → chat (fast path)', path: '/v1/chat/completions', headers: json, body: chat('chat') },
  { name: 'Messages → Anthropic (fast path)', path: '/v1/messages', headers: { ...json, 'anthropic-version': '2023-06-01' }, body: messages('claude') },
  { name: 'Responses → ChatGPT passthrough', path: '/v1/responses', headers: { ...json, originator: 'codex_exec' }, body: responses('gpt-5.5') },
  { name: 'Responses → openai-responses (fast)', path: '/v1/responses', headers: json, body: responses('oai'), responses: true },
  { name: 'Responses → ChatGPT, 74 KB Codex turn', path: '/v1/responses', headers: { ...json, originator: 'codex_exec' }, body: codexTurn('gpt-5.5') },
  { name: 'Responses → chat', path: '/v1/responses', headers: json, body: responses('chat') },
  { name: 'Responses → Anthropic', path: '/v1/responses', headers: json, body: responses('claude') },
  { name: 'Chat → Anthropic', path: '/v1/chat/completions', headers: json, body: chat('claude') },
  { name: 'Chat → chat (fast), 26 KB agent turn', path: '/v1/chat/completions', headers: json, body: agentChat('chat') },
  { name: 'Chat → Anthropic, 26 KB agent turn', path: '/v1/chat/completions', headers: json, body: agentChat('claude') },
  { name: 'Messages → chat', path: '/v1/messages', headers: { ...json, 'anthropic-version': '2023-06-01' }, body: messages('chat') },
]
const filter = process.argv[2] ? new RegExp(process.argv[2], 'i') : null

async function load(base: string, path: string, headers: Record<string, string>, body: string, count: number, concurrency = 4): Promise<void> {
  let next = 0
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (next++ < count) {
      const response = await fetch(base + path, { method: 'POST', headers, body })
      await response.arrayBuffer()
      if (!response.ok) throw new Error(`${base}${path}: HTTP ${response.status}`)
    }
  }))
}
/** CPU per request of each side on one route (cpuPerRequestUs), in blocks of 500, after WARM to warm each. */
async function usPerRequest(sides: { pid: number; base: string }[], route: (typeof ROUTES)[number]): Promise<{ total: number; jit: number }[]> {
  for (const side of sides) await load(side.base, route.path, route.headers, route.body, WARM)
  return cpuPerRequestUs(sides.map((side) => side.pid), COUNT, 500, (index, size) => load(sides[index]!.base, route.path, route.headers, route.body, size))
}

const [floorUs] = await usPerRequest([{ pid: floor.pid, base: `http://127.0.0.1:${floorPort}` }], ROUTES[0]!)
console.log(`bare Bun pass-through (floor): ${floorUs!.total} µs per request\n`)
console.log(`µs of CPU per request, all threads; in brackets the part the JIT compiler threads took (code warming up: none once a proxy has served a while; CPU_PROBE_WARM=${WARM} requests first)\n`)
const shown = ({ total, jit }: { total: number; jit: number }) => `${total} µs (${jit})`
console.log(`${'route'.padEnd(38)}${'this build'.padStart(16)}${baseline ? 'baseline'.padStart(16) : ''}`)
for (const route of ROUTES) {
  if (filter && !filter.test(route.name)) continue
  const withBaseline = Boolean(baseline && (baselineResponses || !route.responses))
  const [mine, before = null] = await usPerRequest([{ pid: shim.pid, base: shimUrl }, ...(withBaseline ? [{ pid: baseline!.child.pid, base: baseline!.url }] : [])], route)
  console.log(`${route.name.padEnd(38)}${shown(mine!).padStart(16)}${before !== null ? shown(before).padStart(16) : ''}`)
}
floor.kill()
if (profile) {
  shim.kill('SIGINT')
  await shim.exited
}
void anthropicFake, backendFake
stop()
process.exit(0)
