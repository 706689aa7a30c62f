#!/usr/bin/env bun
/**
 * `bun scripts/cursor-bench.ts`: what codex-shim adds on top of running
 * cursor-agent directly, measured side by side in one run on the fake
 * cursor-agent (test/fakes/bin/cursor-agent, `long` mode: one segment of
 * small text deltas, written as fast as the pipe takes them).
 *
 * - TTFT: direct = spawn → first text-delta line on stdout; through the shim
 *   = POST /v1/responses (`cursor-composer-2.5`, streamed) → first
 *   `response.output_text.delta`. The shim spawns the same fake, so the
 *   difference is what the shim adds (HTTP, routing, prompt, decoder).
 * - µs per delta: a long stream (CURSOR_BENCH_DELTAS, default 20000), first
 *   delta → end, shim minus direct, divided by the delta count.
 *
 * The shim runs as its own process (`bun src/cli.ts _serve`) with its own
 * homes; ChatGPT is off. Prints a table and one JSON line.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join } from 'node:path'

const root = join(import.meta.dir, '..')
const fake = join(root, 'test/fakes/bin/cursor-agent')
const runs = Number(process.env.CURSOR_BENCH_RUNS ?? 15)
const longDeltas = Number(process.env.CURSOR_BENCH_DELTAS ?? 20_000)
const shortDeltas = 20
const hardStop = setTimeout(() => {
  console.error('cursor-bench: time limit of 300 s reached; stopping.')
  process.exit(2)
}, 300_000)

const home = mkdtempSync(join(tmpdir(), 'codex-shim-cursor-bench-'))
const workspace = join(home, 'workspace')
mkdirSync(workspace, { recursive: true })
const env: Record<string, string> = {
  ...(process.env as Record<string, string>),
  // The fake is a Bun script (`#!/usr/bin/env bun`).
  PATH: [join(root, 'node_modules/.bin'), process.env.PATH].join(delimiter),
  CODEX_SHIM_HOME: join(home, 'shim'),
  CODEX_HOME: join(home, 'codex'),
  CODEX_SHIM_DISABLE_CHATGPT: '1',
  CODEX_SHIM_CURSOR_WORKSPACE: workspace,
  CODEX_SHIM_LOG_LEVEL: 'warn',
  CURSOR_AGENT_BIN: fake,
  FAKE_CURSOR_MODE: 'long',
}
const prompt = 'Write a long answer, please.'
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!

interface Sample { ttftMs: number; streamMs: number; deltas: number }

/** cursor-agent run directly, the way the provider runs it: prompt on stdin, NDJSON on stdout. */
async function direct(deltas: number): Promise<Sample> {
  const started = performance.now()
  const child = Bun.spawn([fake, '--print', '--output-format', 'stream-json', '--stream-partial-output', '--force', '--trust', '--workspace', workspace, '--model', 'composer-2.5'], {
    env: { ...env, FAKE_CURSOR_DELTAS: String(deltas) },
    stdin: 'pipe',
    stdout: 'pipe',
    stderr: 'ignore',
  })
  child.stdin.write(prompt)
  child.stdin.end()
  let first = 0
  let seen = 0
  let buffered = ''
  const decoder = new TextDecoder()
  for await (const chunk of child.stdout) {
    buffered += decoder.decode(chunk, { stream: true })
    let newline = buffered.indexOf('\n')
    while (newline !== -1) {
      const line = buffered.slice(0, newline)
      buffered = buffered.slice(newline + 1)
      // A genuine delta: an assistant event with timestamp_ms (the final replay has none).
      if (line.includes('"type":"assistant"') && line.includes('"timestamp_ms"')) {
        if (!seen) first = performance.now()
        seen++
      }
      newline = buffered.indexOf('\n')
    }
  }
  await child.exited
  return { ttftMs: first - started, streamMs: performance.now() - first, deltas: seen }
}

/** The same run through the shim: a streamed Responses request on `cursor-composer-2.5`. */
async function viaShim(url: string): Promise<Sample> {
  const started = performance.now()
  const response = await fetch(`${url}/v1/responses`, {
    method: 'POST',
    // The fake reads the delta count from its environment; the shim passes its own environment on.
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'cursor-composer-2.5', stream: true, store: false, input: [{ type: 'message', role: 'user', content: [{ type: 'input_text', text: prompt }] }] }),
  })
  if (!response.ok || !response.body) throw new Error(`shim answered ${response.status}: ${await response.text()}`)
  let first = 0
  let seen = 0
  let buffered = ''
  const decoder = new TextDecoder()
  for await (const chunk of response.body) {
    buffered += decoder.decode(chunk, { stream: true })
    let boundary = buffered.indexOf('\n\n')
    while (boundary !== -1) {
      const frame = buffered.slice(0, boundary)
      buffered = buffered.slice(boundary + 2)
      if (frame.startsWith('event: response.output_text.delta\n')) {
        if (!seen) first = performance.now()
        seen++
      }
      boundary = buffered.indexOf('\n\n')
    }
  }
  return { ttftMs: first - started, streamMs: performance.now() - first, deltas: seen }
}

/** One shim process per delta count: the fake takes FAKE_CURSOR_DELTAS from the environment the shim hands it. */
async function startShim(deltas: number): Promise<{ url: string; stop(): Promise<void> }> {
  const port = 30000 + Math.floor(Math.random() * 20000)
  const child = Bun.spawn(['bun', join(root, 'src/cli.ts'), '_serve', '--host', '127.0.0.1', '--port', String(port)], { env: { ...env, FAKE_CURSOR_DELTAS: String(deltas) }, stdin: 'ignore', stdout: 'ignore', stderr: 'inherit' })
  const url = `http://127.0.0.1:${port}`
  for (let attempt = 0; attempt < 200; attempt++) {
    const ok = await fetch(`${url}/health`).then((response) => response.ok, () => false)
    if (ok) break
    await Bun.sleep(50)
  }
  // Warm the status and model caches (what a running daemon has) before measuring.
  await viaShim(url)
  return {
    url,
    async stop() {
      child.kill()
      await child.exited
    },
  }
}

const short = await startShim(shortDeltas)
const directTtft: number[] = []
const shimTtft: number[] = []
for (let run = 0; run < runs; run++) {
  // Interleaved, so both sides see the same machine load.
  directTtft.push((await direct(shortDeltas)).ttftMs)
  shimTtft.push((await viaShim(short.url)).ttftMs)
}
await short.stop()

const long = await startShim(longDeltas)
const longRuns = Math.max(3, Math.floor(runs / 5))
const directLong: Sample[] = []
const shimLong: Sample[] = []
for (let run = 0; run < longRuns; run++) {
  directLong.push(await direct(longDeltas))
  shimLong.push(await viaShim(long.url))
}
await long.stop()
rmSync(home, { recursive: true, force: true })
clearTimeout(hardStop)

for (const sample of [...directLong, ...shimLong]) if (sample.deltas !== longDeltas) throw new Error(`expected ${longDeltas} deltas, saw ${sample.deltas}`)
const directPerDeltaUs = (median(directLong.map((sample) => sample.streamMs)) * 1000) / longDeltas
const shimPerDeltaUs = (median(shimLong.map((sample) => sample.streamMs)) * 1000) / longDeltas
const result = {
  runs,
  ttft_ms: { direct: median(directTtft), shim: median(shimTtft), added: median(shimTtft) - median(directTtft) },
  per_delta_us: { deltas: longDeltas, runs: longRuns, direct: directPerDeltaUs, shim: shimPerDeltaUs, added: shimPerDeltaUs - directPerDeltaUs },
}
const fixed = (value: number, digits = 1) => value.toFixed(digits).padStart(9)
console.log(`cursor-agent (fake) direct vs through codex-shim, medians of ${runs} TTFT runs and ${longRuns} runs of ${longDeltas} deltas`)
console.log(`                        direct      shim     added`)
console.log(`TTFT (ms)            ${fixed(result.ttft_ms.direct)} ${fixed(result.ttft_ms.shim)} ${fixed(result.ttft_ms.added)}`)
console.log(`per delta (µs)       ${fixed(directPerDeltaUs, 2)} ${fixed(shimPerDeltaUs, 2)} ${fixed(result.per_delta_us.added, 2)}`)
console.log(JSON.stringify(result))
