import { readFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Which threads of a child Bun process called fsync (or fdatasync), from strace:
 * `main` the main thread (the proxy's, where an fsync stops every stream)
 * between the child's marks `SERVING` and `SHUTDOWN` on stderr,
 * `mainAfterShutdown` after the second, `other` every other thread (Bun's I/O
 * pool, workers) from the first on. Set-up before `SERVING` is not counted.
 * Linux with strace only.
 */
export interface Fsyncs { main: number; mainAfterShutdown: number; other: number; stdout: string }

// Written by the child with writeSync(2, …): at once, not queued behind what follows.
export const SERVING = 'fsync-trace: serving\n'
export const SHUTDOWN = 'fsync-trace: shutdown\n'

export function traceFsyncs(dir: string, argv: string[]): Fsyncs {
  if (!Bun.which('strace')) throw new Error('strace is missing: install it with `apt-get install -y strace` and run the tests again.')
  const trace = join(dir, 'strace.txt')
  const child = Bun.spawnSync(['strace', '-f', '-o', trace, '-e', 'trace=execve,fsync,fdatasync,write', process.execPath, ...argv], { stdout: 'pipe', stderr: 'pipe', env: { ...process.env } })
  if (child.exitCode !== 0) throw new Error(`the traced child failed: ${child.stderr.toString()}`)
  const lines = readFileSync(trace, 'utf8').split('\n')
  // The first line is the execve of the process itself: its id is the main thread's.
  const mainThread = lines[0]!.split(' ')[0]
  const marked = (line: string, mark: string) => line.startsWith(`${mainThread} `) && line.includes(`write(2, ${JSON.stringify(mark).slice(0, 16)}`)
  const counts: Fsyncs = { main: 0, mainAfterShutdown: 0, other: 0, stdout: child.stdout.toString() }
  let phase: 'set-up' | 'serving' | 'shutdown' = 'set-up'
  for (const line of lines) {
    if (marked(line, SERVING)) phase = 'serving'
    if (marked(line, SHUTDOWN)) phase = 'shutdown'
    if (phase === 'set-up' || !/ f(data)?sync\(/.test(line)) continue
    if (!line.startsWith(`${mainThread} `)) counts.other++
    else if (phase === 'shutdown') counts.mainAfterShutdown++
    else counts.main++
  }
  if (phase !== 'shutdown') throw new Error(`the traced child never wrote both marks (${trace})`)
  return counts
}
