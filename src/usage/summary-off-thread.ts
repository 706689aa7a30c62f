import { isCompiledBinary } from '../compiled.ts'
import type { Summary, SummaryQuery } from './summarise.ts'

// From source (and in tests) the worker is the module beside this one. In the compiled binary it is an
// entrypoint of its own (scripts/build.ts), named from the bundle's root (src/), and this module is in
// a chunk elsewhere: beside it there is nothing.
const workerModule = () => (isCompiledBinary() ? './usage/summary-worker.ts' : new URL('./summary-worker.ts', import.meta.url).href)

// One summary at a time: each worker is a JavaScript VM of its own (~8 MiB while it runs), and a
// client polling faster than a long window counts would otherwise stack them up.
let queue: Promise<unknown> = Promise.resolve()

/**
 * The ledger's summary computed on a worker thread: the query's cost grows
 * with the rows in the window (0.6 s for 30 days of 5,000 requests a day, 3 s
 * for 90 days by day), and on the proxy's own thread every stream and request
 * waited that long. One worker per summary (~5 ms to start), ended when it
 * answers, one at a time; null when there is no ledger yet. Rejects with the
 * reader's message.
 */
export function summariseOffThread(path: string, query: SummaryQuery): Promise<Summary | null> {
  const turn = queue.then(() => inWorker(path, query))
  queue = turn.catch(() => {})
  return turn
}

function inWorker(path: string, query: SummaryQuery): Promise<Summary | null> {
  const worker = new Worker(workerModule())
  return new Promise<Summary | null>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ summary?: Summary | null; error?: string }>) => {
      if (event.data.error !== undefined) reject(new Error(event.data.error))
      else resolve(event.data.summary ?? null)
    }
    worker.onerror = (event) => reject(new Error(`the summary worker failed: ${event.message || 'it did not start'}`))
    worker.postMessage({ path, query })
  }).finally(() => worker.terminate())
}
