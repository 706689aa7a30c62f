/**
 * Probe progress. On a terminal: one bar redrawn in place (`x/N probed`, the
 * model in flight, elapsed time). Anywhere else: one plain line per model as
 * it finishes, no escape codes, so logs and CI output stay readable.
 */

export interface ProgressSink {
  write(text: string): void
  isTTY: boolean
  /** Terminal width; the bar line is cut to fit so it never wraps (a wrapped line cannot be redrawn). */
  columns?: number
}

export interface Progress {
  started(model: string): void
  /** `detail`: what the probes said, e.g. `chat 200, messages 400 → chat`. */
  finished(model: string, detail: string): void
  /** Clears the bar; the caller prints the summary after. */
  stop(): void
}

const BAR_WIDTH = 20
const CLEAR_LINE = '\r\x1b[2K'

export function createProgress(total: number, sink: ProgressSink, options: { now?: () => number; redrawEveryMs?: number } = {}): Progress {
  const now = options.now ?? Date.now
  const startedAt = now()
  const inFlight: string[] = []
  let done = 0
  let timer: ReturnType<typeof setInterval> | undefined

  const draw = () => {
    const filled = total ? Math.round((done / total) * BAR_WIDTH) : BAR_WIDTH
    const current = inFlight.length ? ` · ${inFlight.at(-1)}${inFlight.length > 1 ? ` +${inFlight.length - 1}` : ''}` : ''
    const line = `${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)} ${done}/${total} probed${current} · ${formatElapsed(now() - startedAt)}`
    sink.write(`${CLEAR_LINE}${fit(line, sink.columns)}`)
  }

  if (sink.isTTY) {
    draw()
    // Elapsed time moves even while every probe waits.
    timer = setInterval(draw, options.redrawEveryMs ?? 1000)
    timer.unref?.()
  }

  return {
    started(model) {
      inFlight.push(model)
      if (sink.isTTY) draw()
    },
    finished(model, detail) {
      const index = inFlight.indexOf(model)
      if (index >= 0) inFlight.splice(index, 1)
      done++
      if (sink.isTTY) draw()
      else sink.write(`[${done}/${total}] ${model}: ${detail}\n`)
    },
    stop() {
      if (timer) clearInterval(timer)
      if (sink.isTTY) sink.write(CLEAR_LINE)
    },
  }
}

/** `42s`, `3m05s`. */
export function formatElapsed(ms: number): string {
  const seconds = Math.max(0, Math.floor(ms / 1000))
  if (seconds < 60) return `${seconds}s`
  return `${Math.floor(seconds / 60)}m${String(seconds % 60).padStart(2, '0')}s`
}

function fit(line: string, columns: number | undefined): string {
  if (!columns || columns < 10) return line
  const chars = [...line]
  return chars.length < columns ? line : `${chars.slice(0, columns - 2).join('')}…`
}
