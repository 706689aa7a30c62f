import { ENTRY_KEYS, isObject, type Json, type MergeResult } from './merge.ts'

/**
 * The settings text with only the generated rows changed: the rows `isGenerated`
 * owns come out of their lists, the new ones go in where `merged` put them, and
 * every other byte stays as the user wrote it (their own entries' layout, a
 * number JSON.parse would round, the order and spacing of the rest). Null when
 * the text has no list to put the rows in, or the result would not read as
 * `merged.document`: the caller then writes the whole document instead.
 */
export function spliceGenerated(text: string, isGenerated: (entry: Json) => boolean, merged: MergeResult, indent: string | number, lineEnding: '\n' | '\r\n'): string | null {
  const members = topLevelMembers(text)
  if (!members) return null
  const edits: { start: number; end: number; replacement: string }[] = []
  let placed = merged.inserted.rows.length === 0
  for (const key of ENTRY_KEYS) {
    const span = members.get(key)
    if (!span || text[span.start] !== '[') continue
    const elements = arrayElements(text, span)
    const items: string[] = []
    for (const element of elements) {
      const value = JSON.parse(text.slice(element.start, element.end)) as unknown
      if (!(isObject(value) && isGenerated(value))) items.push(text.slice(element.start, element.end))
    }
    const layout = arrayLayout(text, span, elements, indent, lineEnding)
    if (key === merged.inserted.key) {
      items.splice(merged.inserted.index, 0, ...merged.inserted.rows.map((row) => rendered(row, indent, layout.elementIndent, lineEnding)))
      placed = true
    }
    const replacement = items.length ? `${layout.open}${items.join(layout.separator)}${layout.close}` : '[]'
    if (replacement !== text.slice(span.start, span.end)) edits.push({ ...span, replacement })
  }
  if (!placed) return null
  let out = text
  for (const edit of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, edit.start) + edit.replacement + out.slice(edit.end)
  // The splice must say what the merge decided; anything else (a layout this misread) is written whole.
  return Bun.deepEquals(JSON.parse(out), merged.document) ? out : null
}

interface Span {
  start: number
  end: number
}

/** A new row as JSON.stringify lays it out at this depth, each line after the first indented like its neighbours. */
function rendered(row: Json, indent: string | number, elementIndent: string, lineEnding: string): string {
  return JSON.stringify(row, null, indent).split('\n').join(`${lineEnding}${elementIndent}`)
}

/**
 * How the list spaces its elements, read from the text: after `[`, between two elements, before `]`.
 * An empty list is laid out as JSON.stringify would at its depth.
 */
function arrayLayout(text: string, span: Span, elements: Span[], indent: string | number, lineEnding: string): { open: string; separator: string; close: string; elementIndent: string } {
  if (elements.length) {
    const open = text.slice(span.start, elements[0]!.start)
    const close = text.slice(elements.at(-1)!.end, span.end)
    const separator = elements.length > 1 ? text.slice(elements[0]!.end, elements[1]!.start) : `,${open.slice(1)}`
    return { open, separator, close, elementIndent: open.includes('\n') ? open.slice(open.lastIndexOf('\n') + 1) : '' }
  }
  const unit = typeof indent === 'number' ? ' '.repeat(indent) : indent
  if (!unit) return { open: '[', separator: ',', close: ']', elementIndent: '' }
  const lineStart = text.lastIndexOf('\n', span.start) + 1
  const lineIndent = /^[ \t]*/.exec(text.slice(lineStart, span.start))![0]
  const elementIndent = lineIndent + unit
  return { open: `[${lineEnding}${elementIndent}`, separator: `,${lineEnding}${elementIndent}`, close: `${lineEnding}${lineIndent}]`, elementIndent }
}

/** The top-level object's members: each key's value span, the last of a repeated key (as JSON.parse keeps it). */
function topLevelMembers(text: string): Map<string, Span> | null {
  let at = skipSpace(text, 0)
  if (text[at] !== '{') return null
  const members = new Map<string, Span>()
  at = skipSpace(text, at + 1)
  while (text[at] === '"') {
    const keyEnd = valueEnd(text, at)
    const key = JSON.parse(text.slice(at, keyEnd)) as string
    at = skipSpace(text, keyEnd)
    if (text[at] !== ':') return null
    const start = skipSpace(text, at + 1)
    const end = valueEnd(text, start)
    members.set(key, { start, end })
    at = skipSpace(text, end)
    if (text[at] === ',') at = skipSpace(text, at + 1)
  }
  return text[at] === '}' ? members : null
}

function arrayElements(text: string, span: Span): Span[] {
  const elements: Span[] = []
  let at = skipSpace(text, span.start + 1)
  while (at < span.end - 1) {
    const end = valueEnd(text, at)
    elements.push({ start: at, end })
    at = skipSpace(text, end)
    if (text[at] === ',') at = skipSpace(text, at + 1)
  }
  return elements
}

const isSpace = (char: string | undefined) => char === ' ' || char === '\t' || char === '\n' || char === '\r'

function skipSpace(text: string, at: number): number {
  while (isSpace(text[at])) at++
  return at
}

/** Just past the value that starts at `at`, in a text JSON.parse accepted. */
function valueEnd(text: string, at: number): number {
  const first = text[at]
  if (first === '"') {
    let index = at + 1
    while (text[index] !== '"') index += text[index] === '\\' ? 2 : 1
    return index + 1
  }
  if (first === '{' || first === '[') {
    let depth = 0
    for (let index = at; index < text.length; index++) {
      const char = text[index]
      if (char === '"') index = valueEnd(text, index) - 1
      else if (char === '{' || char === '[') depth++
      else if ((char === '}' || char === ']') && --depth === 0) return index + 1
    }
    return text.length
  }
  let index = at
  while (index < text.length && !isSpace(text[index]) && text[index] !== ',' && text[index] !== '}' && text[index] !== ']') index++
  return index
}
