import { isCompiledBinary } from '../compiled.ts'
import type { LedgerJob } from './ledger-worker.ts'
import type { Summary, SummaryQuery } from './summarise.ts'

// From source (and in tests) the worker is the module beside this one. In the compiled binary it is an
// entrypoint of its own (scripts/build.ts), named from the bundle's root (src/), and this module is in
// a chunk elsewhere: beside it there is nothing.
const defaultWorkerModule = () => (isCompiledBinary() ? './usage/ledger-worker.ts' : new URL('./ledger-worker.ts', import.meta.url).href)
let override: string | null = null
const workerModule = () => override ?? defaultWorkerModule()

/** Tests: a worker module that cannot load, to see the ledger do without one; null puts the real one back. */
export function useWorkerModuleForTests(module: string | null): void {
  override = module
  unavailable = null
}

/**
 * The worker itself could not start (its module did not load: a platform whose
 * compiled binary names it differently than checked here). The ledger then does
 * the work on its own thread, as it did before there was a worker.
 */
export class WorkerUnavailable extends Error {}
let unavailable: WorkerUnavailable | null = null

// One job at a time: each worker is a JavaScript VM of its own (~8 MiB while it runs), and a client
// polling faster than a long window counts would otherwise stack them up.
let queue: Promise<unknown> = Promise.resolve()

function inWorker<T>(job: LedgerJob): Promise<T> {
  const turn = queue.then(
    () =>
      new Promise<T>((resolve, reject) => {
        // Known not to start: not tried again for every job.
        if (unavailable) return reject(unavailable)
        const worker = new Worker(workerModule())
        const done = () => worker.terminate()
        worker.onmessage = (event: MessageEvent<{ result?: T; error?: string }>) => {
          done()
          if (event.data.error !== undefined) reject(new Error(event.data.error))
          else resolve(event.data.result as T)
        }
        // A job's own failure comes back as a message; an error event is the worker failing to run at all.
        worker.onerror = (event) => {
          done()
          unavailable = new WorkerUnavailable(`the ledger's worker thread did not start (${event.message || 'no reason given'})`)
          reject(unavailable)
        }
        worker.postMessage(job)
      }),
  )
  queue = turn.catch(() => {})
  return turn
}

/**
 * The ledger's summary computed on a worker thread: the query's cost grows
 * with the rows in the window (0.6 s for 30 days of 5,000 requests a day, 3 s
 * for 90 days by day), and on the proxy's own thread every stream and request
 * waited that long. One worker per job (~5 ms to start), ended when it
 * answers; null when there is no ledger yet. Rejects with the reader's message.
 */
export function summariseOffThread(path: string, query: SummaryQuery): Promise<Summary | null> {
  return inWorker<Summary | null>({ kind: 'summary', path, query })
}

/**
 * A WAL checkpoint on a worker thread: SQLite's own, run by whichever write crosses its size,
 * fsyncs on the writer's thread. `busy`: a reader kept the WAL from being emptied.
 */
export function checkpointOffThread(path: string): Promise<{ busy: boolean }> {
  return inWorker<{ busy: boolean }>({ kind: 'checkpoint', path })
}

/** The retention prune on a worker thread: rows that started before `before` are deleted, then the WAL checkpointed as by `checkpointOffThread`. */
export function pruneOffThread(path: string, before: number): Promise<{ busy: boolean }> {
  return inWorker<{ busy: boolean }>({ kind: 'prune', path, before })
}
