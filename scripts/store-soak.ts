#!/usr/bin/env bun
/**
 * `bun scripts/store-soak.ts`: the response store under a long run, in one
 * process. 1,000 conversations (SOAK_CONVERSATIONS) take turns for
 * SOAK_SECONDS (default 120) against a store capped at SOAK_STORE_MB
 * (default 32): the OpenAI Agents SDK's way (previous_response_id plus a
 * tool output) and the Vercel AI SDK's way (item_reference for earlier
 * output), each conversation with its own item sizes and 3–12 turns. Every
 * turn goes through expandStoredContext, the real ResponseBuilder and
 * recordFromEvents. Every SOAK_SAMPLE_SECONDS (default 5) it samples RSS,
 * then the live JavaScript memory after a full GC (JSC's heap plus
 * out-of-line string storage): the live figure is what the store and the
 * fake clients hold; RSS adds uncollected garbage and what the allocator
 * keeps after the churn of thousands of turns a second. The run
 * fails (exit 1) if the store's own count ever passes its cap.
 */
import { heapStats } from 'bun:jsc'
import { randomBytes } from 'node:crypto'
import { ResponseBuilder } from '../src/canonical/builder.ts'
import type { ResponsesItem, ResponsesRequest } from '../src/canonical/types.ts'
import { isShimError } from '../src/errors.ts'
import { expandStoredContext } from '../src/responses-store/expand.ts'
import { recordFromEvents } from '../src/responses-store/recorder.ts'
import { ResponseStore } from '../src/responses-store/store.ts'

const seconds = Number(process.env.SOAK_SECONDS ?? 120)
const conversations = Number(process.env.SOAK_CONVERSATIONS ?? 1000)
const capMiB = Number(process.env.SOAK_STORE_MB ?? 32)
const sampleEveryMs = Number(process.env.SOAK_SAMPLE_SECONDS ?? 5) * 1000
const MiB = 1024 * 1024

let seed = 42
function random(): number {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}
const text = (chars: number) => randomBytes(Math.ceil((chars * 3) / 4)).toString('base64').slice(0, chars)

interface Conversation {
  style: 'previous_response_id' | 'item_reference'
  /** Characters per new item: distinct per conversation, 300 B to ~12 KB. */
  size: number
  turns: number
  turn: number
  previousId?: string
  /** Vercel style: what the client re-sends each turn (its own messages in full, our output as references). */
  history: ResponsesItem[]
  pendingCall?: string
}

function fresh(index: number): Conversation {
  return { style: index % 2 ? 'item_reference' : 'previous_response_id', size: 300 + ((index * 7919) % 12_000), turns: 3 + (index % 10), turn: 0, history: [] }
}

const store = new ResponseStore({ limitBytes: capMiB * MiB })
const all = Array.from({ length: conversations }, (_, index) => fresh(index))
const counts = { turns: 0, finished: 0, forgotten: 0, capExceeded: 0, maxEntries: 0 }

function nextRequest(conversation: Conversation): ResponsesRequest {
  const question: ResponsesItem = { type: 'message', role: 'user', content: [{ type: 'input_text', text: text(conversation.size) }] }
  const output: ResponsesItem[] = conversation.pendingCall ? [{ type: 'function_call_output', call_id: conversation.pendingCall, output: text(conversation.size) }] : [question]
  if (conversation.style === 'previous_response_id') {
    return { model: 'soak', instructions: 'You are a soak test.', previous_response_id: conversation.previousId, input: output }
  }
  conversation.history.push(...output)
  return { model: 'soak', instructions: 'You are a soak test.', input: [...conversation.history] }
}

function answer(conversation: Conversation, request: ResponsesRequest): void {
  const { resolvedInput } = expandStoredContext(request, store)
  const record = recordFromEvents(store, resolvedInput, request)
  let finalOutput: ResponsesItem[] = []
  const builder = new ResponseBuilder((event) => {
    record(event)
    if (event.type === 'response.completed') finalOutput = (event as { response: { output: ResponsesItem[] } }).response.output
  }, { model: 'soak' })
  const reasoning = builder.openReasoning()
  builder.reasoningDelta(reasoning, text(200))
  builder.setReasoningEncryptedContent(reasoning, text(1000 + conversation.size / 4))
  builder.close(reasoning)
  const message = builder.openMessage()
  builder.messageDelta(message, text(conversation.size))
  builder.close(message)
  conversation.pendingCall = undefined
  if (conversation.turn % 2 === 0) {
    const callId = `call_${conversation.turn}_${Math.floor(random() * 1e9)}`
    const call = builder.openFunctionCall({ callId, name: 'lookup' })
    builder.argumentsDelta(call, JSON.stringify({ q: text(100) }))
    builder.close(call)
    conversation.pendingCall = callId
  }
  builder.complete({ input_tokens: 1, output_tokens: 1, total_tokens: 2 })
  conversation.previousId = builder.responseId
  for (const item of finalOutput) conversation.history.push({ type: 'item_reference', id: item.id as string })
}

/** RSS as it stands, then live memory after a full collection (garbage is not what the store holds). */
function sample(startedAt: number) {
  const rss = process.memoryUsage.rss()
  Bun.gc(true)
  const heap = heapStats()
  const stats = store.stats()
  return { t: Math.round((performance.now() - startedAt) / 1000), rssMiB: rss / MiB, liveMiB: (heap.heapSize + heap.extraMemorySize) / MiB, entries: stats.entries, storeMiB: stats.bytes / MiB, turns: counts.turns }
}
const show = (s: ReturnType<typeof sample>) => `t=${String(s.t).padStart(4)} s  rss=${s.rssMiB.toFixed(1).padStart(6)} MiB  live=${s.liveMiB.toFixed(1).padStart(6)} MiB  store=${s.storeMiB.toFixed(1).padStart(5)} MiB in ${String(s.entries).padStart(5)} entries  turns=${s.turns}`

const startedAt = performance.now()
const baseline = sample(startedAt)
console.log(`store soak: ${conversations} conversations, cap ${capMiB} MiB, ${seconds} s; baseline rss ${baseline.rssMiB.toFixed(1)} MiB`)
const samples = [baseline]
let nextSampleAt = startedAt + sampleEveryMs
const deadline = startedAt + seconds * 1000

while (performance.now() < deadline) {
  const index = Math.floor(random() * conversations)
  let conversation = all[index]!
  if (conversation.turn >= conversation.turns) {
    counts.finished++
    conversation = all[index] = fresh(index + counts.finished * conversations)
  }
  try {
    answer(conversation, nextRequest(conversation))
    conversation.turn++
  } catch (error) {
    // An evicted earlier response: the same 400 a client gets after a restart. Start over.
    if (!isShimError(error) || error.status !== 400) throw error
    counts.forgotten++
    all[index] = fresh(index + ++counts.finished * conversations)
  }
  counts.turns++
  const stats = store.stats()
  if (stats.bytes > stats.limitBytes) counts.capExceeded++
  counts.maxEntries = Math.max(counts.maxEntries, stats.entries)
  if (performance.now() >= nextSampleAt) {
    const current = sample(startedAt)
    samples.push(current)
    console.log(show(current))
    nextSampleAt += sampleEveryMs
  }
}

const final = sample(startedAt)
samples.push(final)
console.log(show(final))
const clientHistoryMiB = JSON.stringify(all.map((conversation) => conversation.history)).length / MiB
const maxRss = Math.max(...samples.map((s) => s.rssMiB))
const maxLive = Math.max(...samples.map((s) => s.liveMiB))
const summary = {
  seconds,
  conversations,
  capMiB,
  turns: counts.turns,
  conversationsFinished: counts.finished,
  continuationsForgotten: counts.forgotten,
  maxEntries: counts.maxEntries,
  capExceeded: counts.capExceeded,
  baselineRssMiB: Number(baseline.rssMiB.toFixed(1)),
  maxRssMiB: Number(maxRss.toFixed(1)),
  maxRssAboveBaselineMiB: Number((maxRss - baseline.rssMiB).toFixed(1)),
  finalRssMiB: Number(final.rssMiB.toFixed(1)),
  baselineLiveMiB: Number(baseline.liveMiB.toFixed(1)),
  maxLiveMiB: Number(maxLive.toFixed(1)),
  finalLiveMiB: Number(final.liveMiB.toFixed(1)),
  fakeClientHistoryMiB: Number(clientHistoryMiB.toFixed(1)),
}
console.log(`cap ${capMiB} MiB: max rss ${summary.maxRssMiB} MiB (${summary.maxRssAboveBaselineMiB} above the baseline), max live ${summary.maxLiveMiB} MiB (${(maxLive - baseline.liveMiB).toFixed(1)} above the baseline); store over its cap ${counts.capExceeded} times`)
console.log(JSON.stringify(summary))
process.exit(counts.capExceeded ? 1 : 0)
