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

/**
 * The lines the two share at their start and end are matched as they are; only the middle, where a
 * refresh changed something, goes through the table, which grows with the product of its sides (a
 * 3,000-model file diffed whole needed 2.3 GB). A middle still too large is shown removed and added.
 */
function diffLines(a: string[], b: string[]): Line[] {
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let end = 0
  while (end < a.length - start && end < b.length - start && a[a.length - 1 - end] === b[b.length - 1 - end]) end++
  const out: Line[] = []
  for (let k = 0; k < start; k++) out.push({ op: ' ', text: a[k]!, before: k, after: k })
  const middle = middleLines(a.slice(start, a.length - end), b.slice(start, b.length - end))
  for (const line of middle) out.push({ ...line, before: line.before + start, after: line.after + start })
  for (let k = end; k > 0; k--) out.push({ op: ' ', text: a[a.length - k]!, before: a.length - k, after: b.length - k })
  return out
}

/** Past this many table cells (~64 MB) the middle is shown as removed, then added. */
const MAX_TABLE_CELLS = 16_000_000

function middleLines(a: string[], b: string[]): Line[] {
  if ((a.length + 1) * (b.length + 1) > MAX_TABLE_CELLS) {
    return [...a.map((text, i): Line => ({ op: '-', text, before: i, after: 0 })), ...b.map((text, j): Line => ({ op: '+', text, before: a.length, after: j }))]
  }
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
