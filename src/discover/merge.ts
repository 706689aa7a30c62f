import { slugify } from '../settings/slug.ts'

export type Json = Record<string, unknown>

/** Arrays of model entries a settings file may hold (schema.ts); generated rows may sit in either. */
export const ENTRY_KEYS = ['models', 'customModels'] as const

export interface MergeResult {
  document: Json
  /** Slugs of generated rows that are gone from the new file. */
  removed: string[]
  /** New rows left out because a row we do not own already has the slug. */
  conflicts: { slug: string; owner: string }[]
  /** Where the new rows went: the list and the place among the rows kept there. */
  inserted: { key: string; index: number; rows: Json[] }
}

/** Generated rows in the file, by upstream model id: what an "unknown" model keeps. */
export function previousGenerated(document: Json, isGenerated: (entry: Json) => boolean): Map<string, Json> {
  const byId = new Map<string, Json>()
  for (const key of ENTRY_KEYS) {
    for (const entry of entriesAt(document, key)) {
      if (isGenerated(entry) && typeof entry.model === 'string' && !byId.has(entry.model)) byId.set(entry.model, entry)
    }
  }
  return byId
}

/**
 * Replaces the rows `isGenerated` owns with `generated`, keeping everything
 * else as it was: other rows and their order, other top-level keys and their
 * order. The new rows go where the first old one was (so a re-run lands in
 * the same place), else at the end of `models` (or `customModels` in a file
 * that only has that), created if missing.
 */
export function mergeGenerated(document: Json, isGenerated: (entry: Json) => boolean, generated: Json[]): MergeResult {
  const result: Json = { ...document }
  const removedRows: Json[] = []
  const taken = new Map<string, string>()
  let insertAt: { key: string; index: number } | null = null
  for (const key of ENTRY_KEYS) {
    const value = document[key]
    if (!Array.isArray(value)) continue
    const kept: unknown[] = []
    for (const [index, entry] of value.entries()) {
      if (isObject(entry) && isGenerated(entry)) {
        removedRows.push(entry)
        insertAt ??= { key, index: kept.length }
        continue
      }
      kept.push(entry)
      if (isObject(entry)) taken.set(slugOf(entry), `${key}[${index}]`)
    }
    result[key] = kept
  }

  const conflicts: MergeResult['conflicts'] = []
  const rows = generated.filter((row) => {
    const owner = taken.get(slugOf(row))
    if (owner) conflicts.push({ slug: slugOf(row), owner })
    return !owner
  })

  const target: { key: string; index: number } = insertAt ?? (() => {
    const key = Array.isArray(document.models) || !Array.isArray(document.customModels) ? 'models' : 'customModels'
    return { key, index: Array.isArray(result[key]) ? (result[key] as unknown[]).length : 0 }
  })()
  const list = Array.isArray(result[target.key]) ? [...(result[target.key] as unknown[])] : []
  list.splice(target.index, 0, ...rows)
  result[target.key] = list

  const now = new Set(rows.map(slugOf))
  const removed = removedRows.map(slugOf).filter((slug) => !now.has(slug))
  return { document: result, removed, conflicts, inserted: { ...target, rows } }
}

/** The slug a row will load with: its own, else the one normalize derives from the model id. */
function slugOf(entry: Json): string {
  if (typeof entry.slug === 'string') return entry.slug
  return typeof entry.model === 'string' ? slugify(entry.model) : ''
}

function entriesAt(document: Json, key: string): Json[] {
  const value = document[key]
  return Array.isArray(value) ? value.filter(isObject) : []
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * The file's own indentation (two spaces, four, a tab; 0 for a file on one line), so a rewrite
 * changes only what changed. A new file gets two spaces.
 */
export function detectIndent(text: string): string | number {
  const match = /^\{\s*\n([ \t]+)\S/.exec(text)
  if (match) return match[1]!
  return text.trim() && !text.trim().includes('\n') ? 0 : 2
}

/** CRLF when the file's lines all end so (a Windows editor's), else LF. */
export function lineEndingOf(text: string): '\n' | '\r\n' {
  const breaks = text.split('\n').length - 1
  return breaks > 0 && text.split('\r\n').length - 1 === breaks ? '\r\n' : '\n'
}

export function renderSettings(document: Json, indent: string | number, lineEnding: '\n' | '\r\n' = '\n'): string {
  const text = `${JSON.stringify(document, null, indent)}\n`
  return lineEnding === '\n' ? text : text.replace(/\n/g, '\r\n')
}
