import { constants as sqlite, Database, type Statement } from 'bun:sqlite'
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, renameSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { ShimError } from '../errors.ts'
import { log, type Log } from '../log.ts'
import { shimHome } from '../paths.ts'
import type { UsageRow } from './row.ts'
import { createSchema, INSERT_SQL, toParams } from './schema.ts'
import { emptySummary, summarise, type Summary, type SummaryQuery } from './summarise.ts'
import { checkpointOffThread, pruneOffThread, summariseOffThread, WorkerUnavailable } from './off-thread.ts'

/**
 * The usage ledger. `append` only pushes onto an in-memory queue: the request
 * path never waits for SQLite. A timer writes the queue in one transaction
 * about every 250 ms, and `close()` writes what is left. A `kill -9` loses at
 * most the rows appended since the last flush: one batch; a power cut, the
 * rows since the last checkpoint (this thread syncs only where the file needs
 * it: syncLevel). Nothing here throws: a broken ledger warns and the proxy
 * keeps serving.
 */
export interface Ledger {
  readonly enabled: boolean
  append(row: UsageRow): void
  /** Writes the queued rows now (at most `limit`); returns how many were written. */
  flush(limit?: number): number
  /** flush() once the worker's own write (a prune, a checkpoint) is done, rather than meeting its lock. */
  flushed(): Promise<number>
  /** Off the caller's thread (off-thread.ts): a large window takes SQLite seconds. */
  summarise(query: SummaryQuery): Promise<Summary>
  stats(): LedgerStats
  /** Flushes, checkpoints and closes. Call it on shutdown. */
  close(): void
}

export interface LedgerStats {
  queued: number
  /** Rows dropped since open: queue full, or a batch the database refused. */
  dropped: number
  written: number
}

export interface LedgerOptions {
  /** Default `$CODEX_SHIM_HOME/usage.db`. */
  path?: string
  /** Default `CODEX_SHIM_USAGE_RETENTION_DAYS`, else 90. */
  retentionDays?: number
  /** Rows held in memory before new ones are dropped. */
  queueLimit?: number
  flushMs?: number
  /** The WAL size past which a flush has it checkpointed on a worker (default 4 MiB, SQLite's own 1000 pages). */
  checkpointBytes?: number
  now?: () => number
  logger?: Log
}

export const DEFAULT_RETENTION_DAYS = 90
const DEFAULT_QUEUE_LIMIT = 10_000
const DEFAULT_FLUSH_MS = 250
// One timer flush writes at most this many rows (about 7 ms of CPU, scripts/ledger-cost.ts), so a
// backlog never stalls the event loop for long; the rest follows on the next turn.
const MAX_TIMER_BATCH = 1_000
const DEFAULT_CHECKPOINT_BYTES = 4 * 1024 * 1024
// A checkpoint a reader kept from emptying the WAL is not tried again before this: each try waits
// its busy timeout (1 s) on the worker, and the timer's flushes wait for it.
const CHECKPOINT_RETRY_MS = 30_000
const PRUNE_EVERY_MS = 3_600_000
const DAY_MS = 86_400_000
// Shutdown may wait a little for another writer; a flush on the timer never does.
const CLOSE_BUSY_TIMEOUT_MS = 2_000

export const usageDbPath = () => join(shimHome(), 'usage.db')

const sqliteCode = (error: unknown): string => (error && typeof error === 'object' && 'code' in error ? String((error as { code: unknown }).code) : '')
const isBusy = (error: unknown) => /^SQLITE_(BUSY|LOCKED)/.test(sqliteCode(error))
const isDamage = (error: unknown) => /^SQLITE_(CORRUPT|NOTADB)/.test(sqliteCode(error))
/** The disk (or the file system's quota) is full: passing, once something is deleted, so the rows wait. */
const isFull = (error: unknown) => /^SQLITE_FULL/.test(sqliteCode(error))
/** For warnings: the SQLite code, never a row's content. */
const describeError = (error: unknown) => sqliteCode(error) || (error instanceof Error ? error.name : 'error')

export function ledgerDisabledByEnv(env: NodeJS.ProcessEnv = process.env): boolean {
  return ['0', 'false', 'off', 'no'].includes((env.CODEX_SHIM_USAGE ?? '').trim().toLowerCase())
}

function retentionFromEnv(logger: Log): number {
  const configured = process.env.CODEX_SHIM_USAGE_RETENTION_DAYS
  if (configured === undefined || configured.trim() === '') return DEFAULT_RETENTION_DAYS
  const days = Number(configured)
  if (Number.isFinite(days) && days > 0) return days
  logger.warn(`CODEX_SHIM_USAGE_RETENTION_DAYS expects a number of days above 0; keeping ${DEFAULT_RETENTION_DAYS}.`)
  return DEFAULT_RETENTION_DAYS
}

/** The ledger when CODEX_SHIM_USAGE=0: same interface, keeps nothing. */
export function noopLedger(): Ledger {
  return {
    enabled: false,
    append() {},
    flush: () => 0,
    flushed: async () => 0,
    summarise: async (query) => emptySummary(query),
    stats: () => ({ queued: 0, dropped: 0, written: 0 }),
    close() {},
  }
}

export function openLedger(options: LedgerOptions = {}): Ledger {
  if (ledgerDisabledByEnv()) return noopLedger()
  return new SqliteLedger(options)
}

/** Our runtime file: only the user reads it. SQLite gives the -wal and -shm files the same mode. */
function createPrivateFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  if (!existsSync(path)) closeSync(openSync(path, 'a', 0o600))
  else chmodSync(path, 0o600)
}

class SqliteLedger implements Ledger {
  /** Off when its database could not be opened (already warned): /api/usage says so rather than showing an empty ledger as a working one. */
  get enabled(): boolean {
    return this.db !== null
  }
  private readonly path: string
  private readonly retentionDays: number
  private readonly queueLimit: number
  private readonly flushMs: number
  private readonly checkpointBytes: number
  /** A prune or checkpoint running on the worker (runWorkerWrites); settles when it is done. */
  private workerRun: Promise<void> | null = null
  private workerJob: 'prune' | 'checkpoint' | null = null
  private pruneDue = false
  private checkpointDue = false
  /** The timer's flush came while the worker wrote: it runs when the worker is done. */
  private flushAfterWorker = false
  /** The worker cannot start here: the ledger works as it did before there was one. */
  private workerless = false
  /** performance.now() before which no checkpoint is tried (a reader kept the last one from finishing); not the wall clock, which can step back. */
  private checkpointRetryAt = 0
  /** The last checkpoint left frames in the WAL (a reader held it): see syncLevel. */
  private walNotEmptied = false
  private closing = false
  private readonly now: () => number
  private readonly log: Log
  private db: Database | null = null
  private insertBatch: ((rows: UsageRow[]) => void) | null = null
  private queue: UsageRow[] = []
  private dropped = 0
  private droppedUnreported = 0
  private written = 0
  private flushTimer: ReturnType<typeof setTimeout> | null = null
  private readonly pruneTimer: ReturnType<typeof setInterval>
  private lockWarned = false
  /** Warned about a full disk since the last batch that was written. */
  private fullWarned = false
  private closed = false

  constructor(options: LedgerOptions) {
    this.path = options.path ?? usageDbPath()
    this.log = options.logger ?? log.withTag('usage')
    this.retentionDays = options.retentionDays ?? retentionFromEnv(this.log)
    this.queueLimit = options.queueLimit ?? DEFAULT_QUEUE_LIMIT
    this.flushMs = options.flushMs ?? DEFAULT_FLUSH_MS
    this.checkpointBytes = options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES
    this.now = options.now ?? Date.now
    this.connect()
    this.prepare()
    this.pruneTimer = setInterval(() => this.prune(), PRUNE_EVERY_MS)
    this.pruneTimer.unref()
  }

  append(row: UsageRow): void {
    // No database (it could not be opened or replaced; already warned): keep nothing.
    if (this.closed || !this.db) return
    if (this.queue.length >= this.queueLimit) {
      this.dropped++
      this.droppedUnreported++
    } else this.queue.push(row)
    this.schedule()
  }

  flush(limit = Infinity): number {
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    this.reportDrops()
    if (this.queue.length === 0 || !this.prepare()) return this.reschedule(0)
    const batch = limit < this.queue.length ? this.queue.splice(0, limit) : this.queue
    if (batch === this.queue) this.queue = []
    try {
      this.insertBatch!(batch)
    } catch (error) {
      if (isBusy(error) || isFull(error)) return this.requeue(batch, error)
      if (!isDamage(error) || !this.replaceDamaged(error)) return this.discard(batch, error)
      try {
        this.insertBatch!(batch)
      } catch (again) {
        return isBusy(again) || isFull(again) ? this.requeue(batch, again) : this.discard(batch, again)
      }
    }
    this.fullWarned = false
    this.written += batch.length
    this.checkpointIfDue()
    return this.reschedule(batch.length)
  }

  /**
   * SQLite checkpoints a WAL itself in the commit that crosses its size, fsync included: 25–29 ms
   * here, every ~7,000 rows, on the proxy's thread. Its own is off (setUp); the same work runs on
   * a worker instead once the WAL has grown past `checkpointBytes`.
   */
  private checkpointIfDue(): void {
    if (this.workerless || this.checkpointDue || performance.now() < this.checkpointRetryAt || Bun.file(`${this.path}-wal`).size < this.checkpointBytes) return
    this.checkpointDue = true
    this.runWorkerWrites()
  }

  /**
   * The writes the worker does for the ledger (the retention prune, a checkpoint), one at a time.
   * A job that fails is not retried at once: the next prune hour or checkpoint-sized WAL asks again.
   */
  private runWorkerWrites(): void {
    if (this.workerRun || this.closed) return
    const job = this.pruneDue ? 'prune' : this.checkpointDue ? 'checkpoint' : null
    if (!job) return
    this.workerJob = job
    // Both jobs end with a checkpoint that empties the WAL unless a reader holds it (busy). The prune's
    // connection also checkpoints as SQLite does (every 1,000 pages), copying the WAL without emptying
    // it, but our flushes wait for the worker's jobs (timedFlush), so none restarts the WAL meanwhile.
    const run = (job === 'prune' ? pruneOffThread(this.path, this.retentionStart()) : checkpointOffThread(this.path)).then(({ busy }) => {
      if (busy) this.checkpointRetryAt = performance.now() + CHECKPOINT_RETRY_MS
      this.walNotEmptied = busy
      this.applySyncLevel()
    })
    this.workerRun = run
      .catch((error: unknown) => {
        if (error instanceof WorkerUnavailable) return this.withoutWorker(error, job)
        this.log.debug(`Usage ledger ${job} failed (${error instanceof Error ? error.message : String(error)}); the next one tries again.`)
      })
      .finally(() => {
        if (job === 'prune') this.pruneDue = false
        else this.checkpointDue = false
        this.workerRun = null
        this.workerJob = null
        this.runWorkerWrites()
        if (!this.workerRun && this.flushAfterWorker) {
          this.flushAfterWorker = false
          this.schedule(0)
        }
      })
  }

  /** The summary on the worker; on this thread, as before there was one, if the worker cannot start. */
  private async summaryOffThread(query: SummaryQuery): Promise<Summary | null> {
    try {
      return await summariseOffThread(this.path, query)
    } catch (error) {
      if (!(error instanceof WorkerUnavailable)) throw error
      this.warnNoWorker(error)
      return readSummary(this.path, query)
    }
  }

  /**
   * Without a worker the writes go back to this thread: SQLite's own checkpoints again, and the
   * prune in place. Slower for every stream when they run, as before the worker, but done.
   */
  private withoutWorker(error: WorkerUnavailable, job: 'prune' | 'checkpoint'): void {
    this.warnNoWorker(error)
    if (job === 'prune') this.pruneHere()
  }

  /** Whichever job finds the worker missing first (a summary too): from then on SQLite checkpoints here, synced (syncLevel). */
  private warnNoWorker(error: WorkerUnavailable): void {
    if (this.workerless) return
    this.workerless = true
    this.log.warn(`Usage ledger: ${error.message}; its summaries, checkpoints and prunes run on the proxy's thread.`)
    try {
      this.applySyncLevel()
      this.db?.exec('PRAGMA wal_autocheckpoint = 1000')
    } catch {
      // Closed: nothing more to write.
    }
  }

  /**
   * OFF while the proxy serves (setUp says why). Synced whenever this connection may itself copy the
   * WAL into the database or restart the WAL over frames still in it, as SQLite then needs the sync
   * for the file to stay whole: without a worker (SQLite's own checkpoints run here), while closing
   * (the last checkpoint, and SQLite's own when the connection closes), and after a checkpoint that a
   * reader kept from emptying the WAL, until one empties it (the next write restarts the WAL in place,
   * and SQLite syncs its new header first).
   */
  private syncLevel(): 'OFF' | 'NORMAL' | 'FULL' {
    // Closing, FULL: the last batch's commit is synced itself, even when a prune the worker still runs
    // keeps the last checkpoint from copying it (the process exits before the prune's own checkpoint).
    if (this.closing) return 'FULL'
    return this.workerless || this.walNotEmptied ? 'NORMAL' : 'OFF'
  }

  private applySyncLevel(db: Database | null = this.db): void {
    db?.exec(`PRAGMA synchronous = ${this.syncLevel()}`)
  }

  /** Closes a connection synced: closing, SQLite may checkpoint the WAL into the database. */
  private closeConnection(db: Database): void {
    try {
      db.exec('PRAGMA synchronous = NORMAL')
    } catch {
      // A connection that cannot take a pragma has nothing to checkpoint either.
    }
    db.close()
  }

  async flushed(): Promise<number> {
    while (this.workerRun) await this.workerRun
    return this.flush()
  }

  async summarise(query: SummaryQuery): Promise<Summary> {
    // What is queued goes in first, so the summary counts every request answered so far.
    await this.flushed()
    if (!this.db || !this.insertBatch) return emptySummary(query)
    try {
      return (await this.summaryOffThread(query)) ?? emptySummary(query)
    } catch (error) {
      // The reader's own message names the file and what to do; a worker that failed says so.
      this.log.warn(`Usage ledger could not be read (${sqliteCode(error) || (error instanceof Error ? error.message : String(error))}).`)
      return emptySummary(query)
    }
  }

  stats(): LedgerStats {
    return { queued: this.queue.length, dropped: this.dropped, written: this.written }
  }

  close(): void {
    if (this.closed) return
    clearInterval(this.pruneTimer)
    // The last checkpoint runs here (and SQLite's own when the connection closes): synced, including
    // on a connection the flush below sets up (locked until now, or replaced as damaged).
    this.closing = true
    try {
      this.db?.exec(`PRAGMA busy_timeout = ${CLOSE_BUSY_TIMEOUT_MS}`)
      this.applySyncLevel()
      this.flush()
      this.reportDrops()
      if (this.queue.length) this.log.warn(`Usage ledger closed with ${this.queue.length} rows unwritten (the database stayed locked, or the disk full).`)
      // A prune not yet begun is done here. One the worker is running is left to it (the flush above
      // got in between its batches): finishing millions of rows here would hold the shutdown for
      // seconds, and each batch it commits stays done, so the next start deletes only the rest.
      if (this.pruneDue && this.workerJob !== 'prune') this.pruneHere()
      this.db?.exec('PRAGMA wal_checkpoint(TRUNCATE)')
    } catch (error) {
      this.log.warn(`Usage ledger did not close cleanly (${describeError(error)}).`)
    }
    this.closed = true
    if (this.flushTimer) clearTimeout(this.flushTimer)
    this.flushTimer = null
    if (this.db) this.closeConnection(this.db)
    this.db = null
  }

  private schedule(delayMs = this.flushMs): void {
    if (this.flushTimer || this.closed) return
    this.flushTimer = setTimeout(() => this.timedFlush(), delayMs)
    this.flushTimer.unref()
  }

  /**
   * The timer's flush waits while the worker writes (a checkpoint, a prune): a checkpoint that
   * writes keep meeting never empties the WAL, which then grows without end under steady writes,
   * and a flush that meets the worker's lock would be put back with the warning meant for other
   * programs. Rows wait in memory meanwhile (~25 ms for a checkpoint).
   */
  private timedFlush(): void {
    this.flushTimer = null
    if (this.workerRun) this.flushAfterWorker = true
    else this.flush(MAX_TIMER_BATCH)
  }

  /** A backlog left after a full batch goes next turn of the event loop; rows that met a lock wait a tick. */
  private reschedule(written: number): number {
    if (this.queue.length) this.schedule(written === MAX_TIMER_BATCH ? 0 : this.flushMs)
    return written
  }

  private connect(): Database | null {
    try {
      createPrivateFile(this.path)
      const db = new Database(this.path, { create: true, readwrite: true })
      // Never block the event loop waiting for another writer: a locked batch waits for the next tick.
      db.exec('PRAGMA busy_timeout = 0')
      this.db = db
      return db
    } catch (error) {
      this.log.warn(`Usage ledger is off: cannot open ${this.path} (${describeError(error)}).`)
      this.db = null
      return null
    }
  }

  /** WAL, schema and the first prune; deferred while another program holds the database locked. */
  private prepare(): boolean {
    if (this.insertBatch) return true
    if (!this.db) return false
    try {
      this.setUp(this.db)
      return true
    } catch (error) {
      if (isBusy(error)) {
        this.warnLocked()
        return false
      }
      if (isDamage(error) && this.replaceDamaged(error)) return true
      this.log.warn(`Usage ledger is off: ${this.path} could not be set up (${describeError(error)}).`)
      this.closeConnection(this.db)
      this.db = null
      return false
    }
  }

  private setUp(db: Database): void {
    // No fsync on this thread, creating the file included (so set before the journal mode). An fsync
    // waits for the disk, and on ext4 for every other program's unwritten data too: 170-220 ms after
    // a 550 MB build here, every stream stopped meanwhile. With NORMAL SQLite synced the WAL at each
    // restart (the first write after a checkpoint or a start). Commits were not synced under NORMAL
    // either, so a process crash still keeps every committed batch and a power cut loses the same
    // unsynced tail. The checkpoints, on the worker's connection (FULL), sync the WAL before copying
    // it into the database and the database after, so the file cannot be left half-copied; close()
    // syncs the last one. Where this connection may checkpoint or restart the WAL itself, it syncs
    // (syncLevel).
    this.applySyncLevel(db)
    db.exec('PRAGMA journal_mode = WAL')
    // Checkpoints run on a worker (checkpointIfDue), not inside whichever commit crosses the size;
    // SQLite's own when there is no worker (a ledger set up again after damage keeps to that).
    db.exec(`PRAGMA wal_autocheckpoint = ${this.workerless ? 1000 : 0}`)
    createSchema(db)
    const insert: Statement = db.prepare(INSERT_SQL)
    this.insertBatch = db.transaction((rows: UsageRow[]) => {
      for (const row of rows) insert.run(...toParams(row))
    })
    this.prune()
  }

  private warnLocked(): void {
    if (this.lockWarned) return
    this.lockWarned = true
    this.log.warn(`Usage ledger: ${this.path} is locked by another program; rows wait in memory and are retried.`)
  }

  /** Moves a damaged database aside (with its -wal and -shm) and starts a new one. */
  private replaceDamaged(cause: unknown): boolean {
    if (this.db) this.closeConnection(this.db)
    this.db = null
    this.insertBatch = null
    const aside = `${this.path}.corrupt-${this.now()}`
    try {
      renameSync(this.path, aside)
      for (const suffix of ['-wal', '-shm']) if (existsSync(this.path + suffix)) renameSync(this.path + suffix, aside + suffix)
    } catch (error) {
      this.log.warn(`Usage ledger is off: ${this.path} is damaged (${describeError(cause)}) and could not be moved aside (${describeError(error)}).`)
      return false
    }
    this.log.warn(`Usage ledger: ${this.path} was damaged (${describeError(cause)}); moved it to ${aside} and started a new one.`)
    const fresh = this.connect()
    if (!fresh) return false
    try {
      this.setUp(fresh)
      return true
    } catch (error) {
      this.log.warn(`Usage ledger is off: a new ${this.path} could not be set up (${describeError(error)}).`)
      this.closeConnection(fresh)
      this.db = null
      this.insertBatch = null
      return false
    }
  }

  private retentionStart(): number {
    return this.now() - this.retentionDays * DAY_MS
  }

  /** Deletes rows past the retention on the worker: after a long break, or a shorter retention, that is many rows. */
  private prune(): void {
    if (!this.db || this.closed) return
    this.pruneDue = true
    if (this.workerless) this.pruneHere()
    else this.runWorkerWrites()
  }

  /** The prune on this thread: at close, so a prune still due is not left undone, and when there is no worker. */
  private pruneHere(): void {
    try {
      this.db?.query('DELETE FROM requests WHERE time_ms < ?').run(this.retentionStart())
      this.pruneDue = false
    } catch (error) {
      // Locked: the next start prunes. Damage shows up on the next write.
      if (!isBusy(error)) this.log.debug(`Usage ledger prune failed (${describeError(error)}).`)
    }
  }

  /** Rows that met a lock or a full disk go back to the front of the queue (bounded by queueLimit) and are retried. */
  private requeue(batch: UsageRow[], cause: unknown): number {
    if (!isFull(cause)) this.warnLocked()
    else if (!this.fullWarned) {
      this.fullWarned = true
      this.log.warn(`Usage ledger: the disk holding ${this.path} is full; rows wait in memory (up to ${this.queueLimit}) and are written once there is room.`)
    }
    const merged = batch.concat(this.queue)
    const overflow = Math.max(0, merged.length - this.queueLimit)
    if (overflow) {
      this.dropped += overflow
      this.droppedUnreported += overflow
    }
    this.queue = overflow ? merged.slice(overflow) : merged
    return this.reschedule(0)
  }

  private discard(batch: UsageRow[], error: unknown): number {
    this.dropped += batch.length
    this.log.warn(`Usage ledger dropped ${batch.length} rows: the write failed (${describeError(error)}).`)
    return this.reschedule(0)
  }

  private reportDrops(): void {
    if (!this.droppedUnreported) return
    this.log.warn(`Usage ledger dropped ${this.droppedUnreported} rows: more than ${this.queueLimit} were waiting to be written.`)
    this.droppedUnreported = 0
  }
}

/**
 * Opens the ledger read-only, for `codex-shim usage` (works while the daemon
 * is down or writing). Null when there is no ledger yet.
 */
export function readSummary(path: string, query: SummaryQuery): Summary | null {
  if (!existsSync(path)) return null
  try {
    return summaryOf(new Database(path, { readonly: true }), query)
  } catch (error) {
    if (!readableAsItStands(path, error)) throw unreadable(path, error)
  }
  try {
    return summaryOf(immutableReader(path), query)
  } catch (error) {
    throw unreadable(path, error)
  }
}

function summaryOf(db: Database, query: SummaryQuery): Summary | null {
  try {
    const table = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'requests'").get()
    return table ? summarise(db, query) : null
  } finally {
    db.close()
  }
}

/**
 * Whether a reader that failed only for want of a folder it may write (read-only, another user's) can
 * read the file as it stands. A WAL reader must make the shared-memory file (-shm) beside it; SQLite
 * could not, so there is none, and no writer has the ledger open (a live writer keeps one). With no
 * WAL file either (a writer that closed folded it in), the database file holds every row; with one
 * (a writer that died), reading the file alone would leave its last rows out.
 */
function readableAsItStands(path: string, error: unknown): boolean {
  return sqliteCode(error) === 'SQLITE_READONLY_DIRECTORY' && !existsSync(`${path}-wal`)
}

/**
 * The ledger opened as a file that does not change (`immutable=1`): no -shm, no locks, so it neither
 * needs the folder nor can block or touch a writer. Only for a file no writer has open (readableAsItStands).
 */
function immutableReader(path: string): Database {
  const uri = `file:${encodeURI(path).replaceAll('?', '%3f').replaceAll('#', '%23')}?immutable=1`
  return new Database(uri, sqlite.SQLITE_OPEN_READONLY | sqlite.SQLITE_OPEN_URI)
}

function unreadable(path: string, error: unknown): ShimError {
  const next = isDamage(error) ? 'the proxy moves a damaged ledger aside and starts a new one when it next records a request' : 'check its permissions'
  return new ShimError('config', `Cannot read the usage ledger ${path} (${describeError(error)}): ${next}.`)
}
