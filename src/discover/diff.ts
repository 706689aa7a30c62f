/**
 * A unified line diff of the settings file for `--dry-run`: `-`/`+` lines with
 * a little context and `@@` hunk headers. Settings files are small, so a plain
 * longest-common-subsequence table is fine.
 */

type Line = { op: ' ' | '-' | '+'; text: string; before: number; after: number }

export function unifiedDiff(before: string, after: string, options: { context?: number; fromLabel?: string; toLabel?: string } = {}): string {
  if (before === after) return ''
  const context = options.context ?? 2
  const lines = diffLines(splitLines(before), splitLines(after))
  const changed = lines.map((line, index) => (line.op === ' ' ? -1 : index)).filter((index) => index >= 0)
  const hunks: [number, number][] = []
  for (const index of changed) {
    const start = Math.max(0, index - context)
    const end = Math.min(lines.length - 1, index + context)
    const last = hunks.at(-1)
    if (last && start <= last[1] + 1) last[1] = Math.max(last[1], end)
    else hunks.push([start, end])
  }
  const out = [`--- ${options.fromLabel ?? 'before'}`, `+++ ${options.toLabel ?? 'after'}`]
  for (const [start, end] of hunks) {
    const slice = lines.slice(start, end + 1)
    const oldCount = slice.filter((line) => line.op !== '+').length
    const newCount = slice.filter((line) => line.op !== '-').length
    out.push(`@@ -${slice[0]!.before + 1},${oldCount} +${slice[0]!.after + 1},${newCount} @@`)
    for (const line of slice) out.push(`${line.op}${line.text}`)
  }
  return `${out.join('\n')}\n`
}

function splitLines(text: string): string[] {
  if (!text) return []
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines
}

function diffLines(a: string[], b: string[]): Line[] {
  // lengths[i][j] = LCS length of a[i..] and b[j..], in one flat table.
  const width = b.length + 1
  const lengths = new Uint32Array((a.length + 1) * width)
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lengths[i * width + j] = a[i] === b[j] ? lengths[(i + 1) * width + j + 1]! + 1 : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!)
    }
  }
  const out: Line[] = []
  let i = 0
  let j = 0
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      out.push({ op: ' ', text: a[i]!, before: i++, after: j++ })
    } else if (i < a.length && (j === b.length || lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!)) {
      out.push({ op: '-', text: a[i]!, before: i++, after: j })
    } else {
      out.push({ op: '+', text: b[j]!, before: i, after: j++ })
    }
  }
  return out
}
